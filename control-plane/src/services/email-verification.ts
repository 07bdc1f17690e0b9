import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { newSecret, secretHash } from "../auth/secrets.js";
import type { ControlPlaneConfig } from "../config.js";
import { EmailVerificationTokenSchema, type User, UserSchema } from "../db/entities/index.js";
import { AppError, badRequest } from "../errors.js";
import { recordAudit } from "./audit.js";
import type { Caller } from "./caller.js";
import type { Outbox } from "./outbox.js";
import { type PublicUser, publicUser } from "./sessions.js";

/**
 * E-mail verification: a single-use token mailed to the account's address at sign-up, after an e-mail change
 * and on request; spending it marks the address verified (what operator rights require).
 */
export function createEmailVerificationService(deps: {
  orm: MikroORM;
  outbox: Outbox;
  config: Pick<ControlPlaneConfig, "EMAIL_VERIFICATION_TTL_S">;
}) {
  const { outbox, config } = deps;
  const fork = () => deps.orm.em.fork() as EntityManager;
  const hours = Math.round(config.EMAIL_VERIFICATION_TTL_S / 3600);

  /**
   * Creates a token for `user`'s current address and records its message, in the caller's unit of work;
   * returns what sends it, to call once that unit of work is committed.
   */
  function prepareVerification(em: EntityManager, user: User): () => void {
    const token = newSecret();
    em.create(EmailVerificationTokenSchema, {
      id: randomUUID(),
      userId: user.id,
      email: user.email,
      tokenHash: secretHash(token),
      expiresAt: new Date(Date.now() + config.EMAIL_VERIFICATION_TTL_S * 1000),
      usedAt: null,
      createdAt: new Date(),
    });
    const message = outbox.record(em, {
      kind: "email-verification",
      recipient: user.email,
      subject: "Verify your TinyML e-mail address",
    });
    const text = [
      `Someone, hopefully you, gave ${user.email} as the address of a TinyML account.`,
      `To verify it within ${hours} hours, run \`tinyml verify-email TOKEN\` or call`,
      "auth.verifyEmail with this token:",
      "",
      token,
      "",
      "If it was not you, ignore this message.",
    ].join("\n");
    return () => outbox.send(message, text);
  }

  return {
    prepareVerification,

    /** Mails a new verification token to the caller's address, unless it is verified already. */
    async requestEmailVerification(caller: Caller): Promise<{ sent: boolean; message: string }> {
      if (!outbox.sends) {
        throw new AppError(
          "UNAVAILABLE",
          "this service sends no mail (SMTP_URL is unset), so it cannot verify addresses",
          {
            hint: "ask the service's operator to configure SMTP_URL",
          },
        );
      }
      const em = fork();
      const user = await em.findOneOrFail(UserSchema, { id: caller.userId });
      if (user.emailVerified) return { sent: false, message: `${user.email} is verified already` };
      const send = prepareVerification(em, user);
      await em.flush();
      send();
      return { sent: true, message: `a verification message is on its way to ${user.email}` };
    },

    /** Spends a verification token (once, before it expires, for the address it was sent to). */
    async verifyEmail(token: string): Promise<PublicUser> {
      return fork().transactional(async (tx) => {
        const row = await tx.findOne(EmailVerificationTokenSchema, { tokenHash: secretHash(token) });
        if (!row || row.usedAt || row.expiresAt.getTime() < Date.now()) {
          throw badRequest(
            "the e-mail verification token is invalid, already used or expired: ask for a new one (users.requestEmailVerification)",
          );
        }
        const user = await tx.findOneOrFail(UserSchema, { id: row.userId });
        if (user.email !== row.email) {
          throw badRequest(`this token verifies ${row.email}, no longer the account's address: ask for a new one`);
        }
        // Conditional update: two concurrent uses of one token cannot both succeed.
        const spent = await tx.nativeUpdate(
          EmailVerificationTokenSchema,
          { id: row.id, usedAt: null },
          { usedAt: new Date() },
        );
        if (spent !== 1) throw badRequest("the e-mail verification token was already used");
        user.emailVerified = true;
        user.updatedAt = new Date();
        recordAudit(tx, { actorUserId: user.id, action: "user.email_verified", details: { email: user.email } });
        return publicUser(user);
      });
    },
  };
}
export type EmailVerificationService = ReturnType<typeof createEmailVerificationService>;
