import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { UserSchema } from "../db/entities/index.js";
import { AppError, badRequest } from "../errors.js";
import { recordAudit } from "./audit.js";
import type { Caller } from "./caller.js";
import { normalizeEmail, type PublicUser, publicUser } from "./sessions.js";

/**
 * Operator rights (setting the Enterprise tier, granting operator rights) are granted by an operator
 * (`users.setOperator`) or, for the first operator, on the server by the admin command (`admin.js
 * grant-operator`), and only to an account whose e-mail address is verified. A sign-up never makes one.
 */
export function createOperatorService(deps: { orm: MikroORM }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    /** Grants or revokes operator rights; `actor` is the operator doing it, `null` for the admin command. */
    async setOperator(actor: Caller | null, input: { email: string; isOperator: boolean }): Promise<PublicUser> {
      const em = fork();
      const email = normalizeEmail(input.email);
      const user = await em.findOne(UserSchema, { email });
      if (!user) throw new AppError("NOT_FOUND", `no account for ${email}`, { hint: "check the e-mail address" });
      if (input.isOperator && !user.emailVerified) {
        throw badRequest(
          `${email} is not verified: operator rights go to accounts whose e-mail address is verified ` +
            "(its owner verifies it with the token mailed at sign-up, or asks for one: users.requestEmailVerification)",
        );
      }
      if (user.isOperator !== input.isOperator) {
        user.isOperator = input.isOperator;
        user.updatedAt = new Date();
        recordAudit(em, {
          actorUserId: actor?.userId ?? null,
          action: input.isOperator ? "user.operator_grant" : "user.operator_revoke",
          details: { userId: user.id, email, via: actor ? "users.setOperator" : "admin.js" },
        });
        await em.flush();
      }
      return publicUser(user);
    },
  };
}
