import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { hashPassword } from "../auth/passwords.js";
import { newSecret, secretHash } from "../auth/secrets.js";
import type { ControlPlaneConfig } from "../config.js";
import { PasswordResetTokenSchema, RefreshTokenSchema, UserSchema } from "../db/entities/index.js";
import { badRequest } from "../errors.js";
import { recordAudit } from "./audit.js";
import { enqueueMessage } from "./outbox.js";
import { normalizeEmail } from "./sessions.js";

/** Password reset by a single-use token sent by e-mail (through the outbox). */
export function createPasswordResetService(deps: {
  orm: MikroORM;
  config: Pick<ControlPlaneConfig, "PASSWORD_RESET_TTL_S">;
}) {
  const { config } = deps;
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    /** Always answers the same, whether the e-mail is known or not; a known one gets a reset message. */
    async requestPasswordReset(emailInput: string): Promise<void> {
      const em = fork();
      const user = await em.findOne(UserSchema, { email: normalizeEmail(emailInput) });
      if (!user) return;
      const token = newSecret();
      em.create(PasswordResetTokenSchema, {
        id: randomUUID(),
        userId: user.id,
        tokenHash: secretHash(token),
        expiresAt: new Date(Date.now() + config.PASSWORD_RESET_TTL_S * 1000),
        usedAt: null,
        createdAt: new Date(),
      });
      enqueueMessage(em, {
        kind: "password-reset",
        recipient: user.email,
        subject: "Reset your TinyML password",
        body: `Use this token to choose a new password within ${Math.round(config.PASSWORD_RESET_TTL_S / 60)} minutes:\n${token}`,
      });
      await em.flush();
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
        await tx.nativeUpdate(UserSchema, { id: row.userId }, { passwordHash, updatedAt: new Date() });
        await tx.nativeUpdate(RefreshTokenSchema, { userId: row.userId, revokedAt: null }, { revokedAt: new Date() });
        recordAudit(tx, { actorUserId: row.userId, action: "auth.password_reset" });
      });
    },
  };
}
