import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { hashPassword, verifyPassword } from "../auth/passwords.js";
import { UserSchema } from "../db/entities/index.js";
import { AppError, badRequest } from "../errors.js";
import { recordAudit } from "./audit.js";
import { type PublicUser, publicUser } from "./auth-service.js";
import type { Caller } from "./caller.js";
import type { EmailVerificationService } from "./email-verification.js";
import { endAllSessions } from "./sessions.js";

/** The caller's own profile. */
export function createUserService(deps: { orm: MikroORM; verification: EmailVerificationService }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    requestEmailVerification: deps.verification.requestEmailVerification,

    async me(caller: Caller): Promise<PublicUser> {
      return publicUser(await fork().findOneOrFail(UserSchema, { id: caller.userId }));
    },

    /**
     * Changes name, e-mail or password; e-mail and password changes need the current password. A new e-mail
     * address is unverified until the token mailed to it comes back; a new password ends every session of the
     * user, the caller's too (it signs in again).
     */
    async updateProfile(
      caller: Caller,
      input: {
        name?: string | undefined;
        email?: string | undefined;
        newPassword?: string | undefined;
        currentPassword?: string | undefined;
      },
    ): Promise<PublicUser> {
      const em = fork();
      const user = await em.findOneOrFail(UserSchema, { id: caller.userId });
      const sensitive = input.email !== undefined || input.newPassword !== undefined;
      if (sensitive && !(input.currentPassword && (await verifyPassword(user.passwordHash, input.currentPassword)))) {
        throw badRequest("changing the e-mail or the password needs the current password (currentPassword)");
      }
      const passwordHash = input.newPassword === undefined ? null : await hashPassword(input.newPassword);
      let sendVerification = () => {};
      const updated = await em.transactional(async (tx) => {
        const current = await tx.findOneOrFail(UserSchema, { id: caller.userId });
        if (input.email !== undefined) {
          const email = input.email.trim().toLowerCase();
          if (email !== current.email) {
            if (await tx.findOne(UserSchema, { email })) {
              throw new AppError("CONFLICT", `an account already exists for ${email}`);
            }
            current.email = email;
            current.emailVerified = false;
            sendVerification = deps.verification.prepareVerification(tx, current);
          }
        }
        if (input.name !== undefined) current.name = input.name;
        if (passwordHash !== null) {
          current.passwordHash = passwordHash;
          await endAllSessions(tx, current);
        }
        current.updatedAt = new Date();
        recordAudit(tx, {
          organizationId: caller.organizationId,
          actorUserId: caller.userId,
          action: "user.profile_update",
          details: { fields: Object.keys(input).filter((k) => k !== "currentPassword" && k !== "newPassword") },
        });
        return publicUser(current);
      });
      sendVerification();
      return updated;
    },
  };
}
