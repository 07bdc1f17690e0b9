import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import type { AccessTokenIssuer } from "../auth/access-tokens.js";
import { hashPassword, verifyPassword } from "../auth/passwords.js";
import type { ControlPlaneConfig } from "../config.js";
import { MembershipSchema, OrganizationSchema, UserSchema } from "../db/entities/index.js";
import { AppError, forbidden, unauthorized } from "../errors.js";
import { recordAudit } from "./audit.js";
import { createCredentialResolver } from "./credential-resolver.js";
import { conflictOnDuplicate } from "./duplicates.js";
import type { EmailVerificationService } from "./email-verification.js";
import { createLoginThrottle } from "./login-throttle.js";
import type { Outbox } from "./outbox.js";
import { createPasswordResetService } from "./password-reset.js";
import { createRefreshTokenService } from "./refresh-tokens.js";
import { createSessionIssuer, normalizeEmail, personalOrganization, type Session } from "./sessions.js";

export { type PublicUser, publicUser, type Session } from "./sessions.js";

/**
 * Sign-up, sign-in (with failed attempts limited per account and per address), token rotation, e-mail
 * verification, password reset and resolving a bearer credential into a `Caller`.
 */
export function createAuthService(deps: {
  orm: MikroORM;
  tokens: AccessTokenIssuer;
  outbox: Outbox;
  verification: EmailVerificationService;
  config: Pick<
    ControlPlaneConfig,
    | "REFRESH_TOKEN_TTL_S"
    | "PASSWORD_RESET_TTL_S"
    | "LOGIN_FAILURES_PER_ACCOUNT"
    | "LOGIN_FAILURES_PER_ADDRESS"
    | "LOGIN_FAILURE_WINDOW_S"
  >;
}) {
  const { orm, config, verification } = deps;
  const fork = () => orm.em.fork() as EntityManager;
  const issueSession = createSessionIssuer(deps);
  const throttle = createLoginThrottle({
    perAccount: config.LOGIN_FAILURES_PER_ACCOUNT,
    perAddress: config.LOGIN_FAILURES_PER_ADDRESS,
    windowMs: config.LOGIN_FAILURE_WINDOW_S * 1000,
  });

  return {
    async signup(input: { email: string; password: string; name: string }): Promise<Session> {
      const em = fork();
      const email = normalizeEmail(input.email);
      if (await em.findOne(UserSchema, { email })) {
        throw new AppError("CONFLICT", `an account already exists for ${email}`);
      }
      const now = new Date();
      const passwordHash = await hashPassword(input.password);
      const { session, sendVerification } = await conflictOnDuplicate(
        () =>
          em.transactional(async (tx) => {
            const user = tx.create(UserSchema, {
              id: randomUUID(),
              email,
              passwordHash,
              name: input.name,
              // Never an operator by signing up: operators are granted (services/operators.ts).
              isOperator: false,
              emailVerified: false,
              sessionGeneration: 0,
              createdAt: now,
              updatedAt: now,
            });
            const org = tx.create(OrganizationSchema, {
              id: randomUUID(),
              name: `${input.name}'s organization`,
              tier: "free",
              personal: true,
              createdAt: now,
            });
            tx.create(MembershipSchema, {
              id: randomUUID(),
              organizationId: org.id,
              userId: user.id,
              role: "owner",
              createdAt: now,
            });
            recordAudit(tx, {
              organizationId: org.id,
              actorUserId: user.id,
              action: "user.signup",
              details: { email },
            });
            const sendVerification = verification.prepareVerification(tx, user);
            return { session: await issueSession(tx, user, org.id), sendVerification };
          }),
        `an account already exists for ${email}`,
      );
      sendVerification();
      return session;
    },

    /** Signs in; `clientIp` is where the attempt came from (counted with the account's failed attempts). */
    async login(
      input: { email: string; password: string; organizationId?: string | undefined },
      from: { clientIp: string | null } = { clientIp: null },
    ): Promise<Session> {
      const em = fork();
      const email = normalizeEmail(input.email);
      const attempt = throttle.attempt(email, from.clientIp);
      const { user, ok } = await throttle.inTurn(from.clientIp, async () => {
        const user = await em.findOne(UserSchema, { email });
        // Verify against a dummy hash when the user is unknown, so timing does not tell which e-mails exist.
        return { user, ok: await verifyPassword(user?.passwordHash ?? DUMMY_HASH, input.password) };
      });
      if (!user || !ok) throw unauthorized("wrong e-mail or password");
      attempt.succeeded();
      let organizationId = input.organizationId;
      if (organizationId) {
        if (!(await em.findOne(MembershipSchema, { userId: user.id, organizationId }))) {
          throw forbidden("you are not a member of that organization");
        }
      } else {
        organizationId = await personalOrganization(em, user.id);
      }
      return issueSession(em, user, organizationId);
    },
    ...createRefreshTokenService({ orm, issueSession }),
    verifyEmail: verification.verifyEmail,
    ...createPasswordResetService(deps),
    authenticate: createCredentialResolver(deps),
  };
}

// argon2id hash of a random string nobody knows, verified against when the e-mail is unknown.
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$6TrBDY6XCi/Zc7blU5i89Q$3wLWobpZDZ8zmSyR9q6CCMhAhV+EtroEgNWrBBeE96s";
