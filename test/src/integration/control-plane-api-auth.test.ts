import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DATABASES, useControlPlaneApi } from "./support/control-plane-api.js";
import { tokenIn } from "./support/smtp-inbox.js";

/** The control plane's accounts on both databases: sign-up, login, tokens, API keys, organizations and roles. */
describe.each(DATABASES)("control plane on $name", (db) => {
  const { api, trpc, signup, memberOf, request } = useControlPlaneApi(db);

  describe("auth (tRPC through createCaller)", () => {
    it("signs up with an argon2id hash, a personal organization on Free and an owner membership", async () => {
      const { session, caller, email } = await signup("Ada");
      expect(session.user.email).toBe(email);
      expect(caller).toMatchObject({ role: "owner", via: "access-token", organizationId: session.organizationId });
      const em = api.cp.orm.em.fork();
      const [row] = await em.getConnection().execute("select password_hash from users where email = ?", [email]);
      expect(String(row?.password_hash)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect((await trpc(caller).subscription.get()).tier).toBe("free");
      await expect(trpc().auth.signup({ email, password: "another-password", name: "Ada" })).rejects.toThrow(
        /already exists/,
      );
      // Concurrent sign-ups with one e-mail: one account, the others a clear conflict.
      const racing = `race-${randomUUID()}@tinyml.test`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, () => trpc().auth.signup({ email: racing, password: "race-password", name: "Race" })),
      );
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === "rejected")) {
        expect((o as PromiseRejectedResult).reason).toMatchObject({
          code: "CONFLICT",
          message: `an account already exists for ${racing}`,
        });
      }
    });

    it("refuses a wrong password and a malformed e-mail, changing nothing", async () => {
      const { email } = await signup("Bob");
      await expect(trpc().auth.login({ email, password: "wrong-password" })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
        message: "wrong e-mail or password",
      });
      await expect(
        trpc().auth.signup({ email: "not-an-email", password: "0123456789", name: "X" }),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
      const em = api.cp.orm.em.fork();
      const [count] = await em
        .getConnection()
        .execute("select count(*) as n from users where email = ?", ["not-an-email"]);
      expect(Number(count?.n)).toBe(0);
    });

    it("rotates refresh tokens and revokes the family when a spent one is reused", async () => {
      const { session, caller, password } = await signup("Cy");
      const second = await trpc().auth.refresh({ refreshToken: session.refreshToken });
      expect(second.refreshToken).not.toBe(session.refreshToken);
      expect(await api.cp.services.auth.authenticate(second.accessToken)).not.toBeNull();
      await expect(trpc().auth.refresh({ refreshToken: session.refreshToken })).rejects.toThrow(/already used/);
      // The reuse revoked the newer token of the same family too.
      await expect(trpc().auth.refresh({ refreshToken: second.refreshToken })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
      // Logging out revokes a session's refresh token.
      const other = await trpc().auth.login({ email: (await trpc(caller).users.me()).email, password });
      await trpc().auth.logout({ refreshToken: other.refreshToken });
      await expect(trpc().auth.refresh({ refreshToken: other.refreshToken })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    });

    it("resets a password with a single-use token mailed through SMTP, ending every session", async () => {
      const { email, session, password } = await signup("Dee");
      await trpc().auth.requestPasswordReset({ email });
      await trpc().auth.requestPasswordReset({ email: "nobody@tinyml.test" }); // same answer, no message
      await api.cp.services.outbox.settle();
      const em = api.cp.orm.em.fork();
      const messages = await em
        .getConnection()
        .execute("select recipient, kind, status from outbox_messages where recipient in (?, ?) order by created_at", [
          email,
          "nobody@tinyml.test",
        ]);
      expect(messages.map((m: { kind: string; status: string }) => [m.kind, m.status])).toEqual([
        ["email-verification", "sent"],
        ["password-reset", "sent"],
      ]);
      await api.inbox.take(email); // the sign-up's verification message
      const token = tokenIn(await api.inbox.take(email));
      expect(api.inbox.received.filter((m) => m.to.includes("nobody@tinyml.test"))).toEqual([]);
      const [stored] = await em
        .getConnection()
        .execute(
          "select token_hash from password_reset_tokens where user_id = (select id from users where email = ?)",
          [email],
        );
      expect(String(stored?.token_hash)).not.toContain(token); // only the hash is kept

      await trpc().auth.resetPassword({ token, newPassword: "a-brand-new-password" });
      await expect(trpc().auth.resetPassword({ token, newPassword: "yet-another-password" })).rejects.toThrow(
        /invalid, already used or expired/,
      );
      await expect(trpc().auth.login({ email, password })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      expect((await trpc().auth.login({ email, password: "a-brand-new-password" })).user.email).toBe(email);
      await expect(trpc().auth.refresh({ refreshToken: session.refreshToken })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
      expect(await api.cp.services.auth.authenticate(session.accessToken)).toBeNull();
    });

    it("updates the profile; e-mail and password changes need the current password", async () => {
      const { caller, password, email } = await signup("Eve");
      await trpc().auth.verifyEmail({ token: tokenIn(await api.inbox.take(email)) });
      expect((await trpc(caller).users.me()).emailVerified).toBe(true);
      expect((await trpc(caller).users.updateProfile({ name: "Eve Online" })).name).toBe("Eve Online");
      await expect(trpc(caller).users.updateProfile({ email: "eve2@tinyml.test" })).rejects.toThrow(
        /needs the current password/,
      );
      expect((await trpc(caller).users.me()).email).not.toBe("eve2@tinyml.test");
      const changed = await trpc(caller).users.updateProfile({ email: "Eve2@tinyml.test", currentPassword: password });
      // A new address is unverified until the token mailed to it comes back.
      expect(changed).toMatchObject({ email: "eve2@tinyml.test", emailVerified: false });
      await trpc().auth.verifyEmail({ token: tokenIn(await api.inbox.take("eve2@tinyml.test")) });
      expect((await trpc(caller).users.me()).emailVerified).toBe(true);
    });

    it("shows an API key once, stores only its hash, and refuses it once revoked", async () => {
      const { caller } = await signup("Fay");
      const created = await trpc(caller).apiKeys.create({ name: "ci" });
      expect(created.key).toMatch(/^tml_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      const listed = await trpc(caller).apiKeys.list();
      expect(listed).toHaveLength(1);
      expect(JSON.stringify(listed)).not.toContain(created.key.slice("tml_".length + 13)); // the secret part
      const em = api.cp.orm.em.fork();
      const rows = await em.getConnection().execute("select secret_hash from api_keys where id = ?", [created.id]);
      expect(String(rows[0]?.secret_hash)).toMatch(/^[0-9a-f]{64}$/);

      expect((await request("/api/projects", { token: created.key })).status).toBe(200);
      await trpc(caller).apiKeys.revoke({ id: created.id });
      const refused = await request("/api/projects", { token: created.key });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({
        error: { code: "UNAUTHORIZED", message: "the bearer token or API key is invalid, expired or revoked" },
      });
    });
  });

  describe("organizations and roles", () => {
    it("admins manage members and keys; members manage only their own keys; an organization keeps an owner", async () => {
      const owner = await signup("Wes");
      const admin = await memberOf(owner.caller, "admin", "Xia");
      const member = await memberOf(owner.caller, "member", "Yan");
      expect((await trpc(owner.caller).orgs.members()).map((m) => m.role)).toEqual(["owner", "admin", "member"]);

      const memberKey = await trpc(member.caller).apiKeys.create({ name: "member key" });
      const adminKey = await trpc(admin.caller).apiKeys.create({ name: "admin key" });
      await expect(trpc(member.caller).apiKeys.revoke({ id: adminKey.id })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      expect((await trpc(admin.caller).apiKeys.revoke({ id: memberKey.id })).revokedAt).not.toBeNull();

      await expect(trpc(member.caller).orgs.addMember({ email: owner.email, role: "member" })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(trpc(admin.caller).orgs.setRole({ userId: member.caller.userId, role: "owner" })).rejects.toThrow(
        /needs the owner role/,
      );
      await trpc(admin.caller).orgs.setRole({ userId: member.caller.userId, role: "admin" });
      await expect(trpc(owner.caller).orgs.removeMember({ userId: owner.caller.userId })).rejects.toThrow(
        /keeps at least one owner/,
      );
      await trpc(admin.caller).orgs.removeMember({ userId: member.caller.userId });
      expect((await trpc(owner.caller).orgs.members()).map((m) => m.userId)).toEqual([
        owner.caller.userId,
        admin.caller.userId,
      ]);
      // A removed member's token no longer authenticates in that organization.
      expect(await api.cp.services.auth.authenticate(member.token)).toBeNull();
      const mine = await trpc(admin.caller).orgs.mine();
      expect(mine.map((o) => [o.role, o.current])).toEqual([
        ["owner", false],
        ["admin", true],
      ]);
    });
  });
});
