import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MikroORM } from "@mikro-orm/core";
import { afterAll, describe, expect, it } from "vitest";
import { OutboxMessageSchema, PasswordResetTokenSchema, UserSchema } from "../entities/index.js";
import { ormOptions } from "../orm.js";

/**
 * Data stored before the accounts migration: an operator made by signing up with an address of OPERATOR_EMAILS,
 * outbox messages whose bodies carry reset tokens in plain text, an unspent reset token. After it: nobody is an
 * operator or verified, no body is left, the token is spent, and every row reads through the entities.
 */
const dir = await mkdtemp(join(tmpdir(), "cp-migration-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("migration Migration20261202161338 (SQLite)", () => {
  it("revokes sign-up operators, drops message bodies and spends the reset tokens they carried", async () => {
    const options = ormOptions({ dialect: "sqlite", file: join(dir, "accounts.sqlite") });
    const orm = await MikroORM.init({ ...options, migrations: { ...options.migrations, silent: true } });
    try {
      await orm.getMigrator().up({ to: "Migration20261202132500" });
      const connection = orm.em.getConnection();
      const [userId, tokenId] = [randomUUID(), randomUUID()];
      await connection.execute(
        "insert into users (id, email, password_hash, name, is_operator, created_at, updated_at) values (?, 'ops@tinyml.test', 'x', 'Ops', 1, 0, 0)",
        [userId],
        "run",
      );
      await connection.execute(
        "insert into password_reset_tokens (id, user_id, token_hash, expires_at, used_at, created_at) values (?, ?, 'h', ?, null, 0)",
        [tokenId, userId, Date.now() + 3_600_000],
        "run",
      );
      for (const [id, delivered] of [
        [randomUUID(), null],
        [randomUUID(), 1000],
      ] as const) {
        await connection.execute(
          "insert into outbox_messages (id, kind, recipient, subject, body, created_at, delivered_at) values (?, 'password-reset', 'ops@tinyml.test', 'Reset', 'the-plain-token', 0, ?)",
          [id, delivered],
          "run",
        );
      }
      await orm.getMigrator().up();
      const em = orm.em.fork();
      expect(await em.findOneOrFail(UserSchema, { id: userId })).toMatchObject({
        isOperator: false,
        emailVerified: false,
        sessionGeneration: 0,
      });
      const spent = await em.findOneOrFail(PasswordResetTokenSchema, { id: tokenId });
      expect(Math.abs((spent.usedAt?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
      const messages = await em.find(OutboxMessageSchema, {}, { orderBy: { deliveredAt: "asc" } });
      expect(messages.map((m) => m.status).sort()).toEqual(["not_sent", "sent"]);
      const rows = await connection.execute("select * from outbox_messages");
      expect(JSON.stringify(rows)).not.toContain("the-plain-token");
    } finally {
      await orm.close(true);
    }
  });
});
