import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { hashPassword, verifyPassword } from "../auth/passwords.js";
import { UserSchema } from "../db/entities/index.js";
import { AppError, badRequest } from "../errors.js";
import { recordAudit } from "./audit.js";
import { type PublicUser, publicUser } from "./auth-service.js";
import type { Caller } from "./caller.js";

/** The caller's own profile. */
export function createUserService(deps: { orm: MikroORM }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async me(caller: Caller): Promise<PublicUser> {
      return publicUser(await fork().findOneOrFail(UserSchema, { id: caller.userId }));
    },

    /** Changes name, e-mail or password; e-mail and password changes need the current password. */
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
      if (input.email !== undefined) {
        const email = input.email.trim().toLowerCase();
        if (email !== user.email && (await em.findOne(UserSchema, { email }))) {
          throw new AppError("CONFLICT", `an account already exists for ${email}`);
        }
        user.email = email;
      }
      if (input.name !== undefined) user.name = input.name;
      if (input.newPassword !== undefined) user.passwordHash = await hashPassword(input.newPassword);
      user.updatedAt = new Date();
      recordAudit(em, {
        organizationId: caller.organizationId,
        actorUserId: caller.userId,
        action: "user.profile_update",
        details: { fields: Object.keys(input).filter((k) => k !== "currentPassword" && k !== "newPassword") },
      });
      await em.flush();
      return publicUser(user);
    },
  };
}
