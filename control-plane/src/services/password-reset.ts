import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { hashPassword } from "../auth/passwords.js";
import { newSecret, secretHash } from "../auth/secrets.js";
import type { ControlPlaneConfig } from "../config.js";
import { PasswordResetTokenSchema, UserSchema } from "../db/entities/index.js";
import { badRequest } from "../errors.js";
import { recordAudit } from "./audit.js";
import type { Outbox } from "./outbox.js";
import { endAllSessions, normalizeEmail } from "./sessions.js";

/** At most one reset message per account in this time: nobody can flood someone's mailbox through the form. */
const RESET_MESSAGE_INTERVAL_MS = 60_000;

/** Password reset by a single-use token sent by e-mail (stored as its hash; the message keeps no copy). */
export function createPasswordResetService(deps: {
  orm: MikroORM;
  outbox: Outbox;
  config: Pick<ControlPlaneConfig, "PASSWORD_RESET_TTL_S">;
}) {
  const { config, outbox } = deps;
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    /** Always answers the same, whether the e-mail is known or not; a known one gets a reset message. */
    async requestPasswordReset(emailInput: string): Promise<void> {
      const em = fork();
      const user = await em.findOne(UserSchema, { email: normalizeEmail(emailInput) });
      if (!user) return;
      const since = new Date(Date.now() - RESET_MESSAGE_INTERVAL_MS);
      if ((await em.count(PasswordResetTokenSchema, { userId: user.id, createdAt: { $gt: since } })) > 0) return;
      const token = newSecret();
      em.create(PasswordResetTokenSchema, {
        id: randomUUID(),
        userId: user.id,
        tokenHash: secretHash(token),
        expiresAt: new Date(Date.now() + config.PASSWORD_RESET_TTL_S * 1000),
        usedAt: null,
        createdAt: new Date(),
      });
      const message = outbox.record(em, {
        kind: "password-reset",
        recipient: user.email,
        subject: "Reset your TinyML password",
      });
      await em.flush();
      outbox.send(
        message,
        [
          `Someone, hopefully you, asked to reset the password of the TinyML account ${user.email}.`,
          `To choose a new one within ${Math.round(config.PASSWORD_RESET_TTL_S / 60)} minutes, call`,
          "auth.resetPassword with this token:",
          "",
          token,
          "",
          "If it was not you, ignore this message: your password stays as it is.",
        ].join("\n"),
      );
    },

    /** Spends a reset token (once, before it expires), sets the password and ends every session. */
    async resetPassword(token: string, newPassword: string): Promise<void> {
      const em = fork();
      const passwordHash = await hashPassword(newPassword);
      await em.transactional(async (tx) => {
        const row = await tx.findOne(PasswordResetTokenSchema, { tokenHash: secretHash(token) });
        if (!row || row.usedAt || row.expiresAt.getTime() < Date.now()) {
          throw badRequest("the password reset token is invalid, already used or expired: ask for a new one");
        }
        // Conditional update: two concurrent uses of one token cannot both succeed.
        const spent = await tx.nativeUpdate(
          PasswordResetTokenSchema,
          { id: row.id, usedAt: null },
          { usedAt: new Date() },
        );
        if (spent !== 1) throw badRequest("the password reset token was already used");
        const user = await tx.findOneOrFail(UserSchema, { id: row.userId });
        user.passwordHash = passwordHash;
        user.updatedAt = new Date();
        await endAllSessions(tx, user);
        recordAudit(tx, { actorUserId: row.userId, action: "auth.password_reset" });
      });
    },
  };
}
