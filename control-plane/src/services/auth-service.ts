import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import type { AccessTokenIssuer } from "../auth/access-tokens.js";
import { parseApiKey } from "../auth/api-key-format.js";
import { hashPassword, verifyPassword } from "../auth/passwords.js";
import { newSecret, sameHash, secretHash } from "../auth/secrets.js";
import type { ControlPlaneConfig } from "../config.js";
import {
  ApiKeySchema,
  MembershipSchema,
  OrganizationSchema,
  PasswordResetTokenSchema,
  RefreshTokenSchema,
  type User,
  UserSchema,
} from "../db/entities/index.js";
import { AppError, badRequest, forbidden, unauthorized } from "../errors.js";
import { recordAudit } from "./audit.js";
import type { Caller } from "./caller.js";
import { conflictOnDuplicate } from "./duplicates.js";
import { enqueueMessage } from "./outbox.js";

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  user: PublicUser;
  organizationId: string;
}

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  isOperator: boolean;
}

export const publicUser = (u: User): PublicUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  isOperator: u.isOperator,
});

const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Sign-up, sign-in, token rotation, password reset and resolving a bearer credential into a `Caller`.
 */
export function createAuthService(deps: {
  orm: MikroORM;
  tokens: AccessTokenIssuer;
  config: Pick<ControlPlaneConfig, "REFRESH_TOKEN_TTL_S" | "PASSWORD_RESET_TTL_S" | "OPERATOR_EMAILS">;
}) {
  const { orm, tokens, config } = deps;
  const fork = () => orm.em.fork() as EntityManager;

  async function issueSession(em: EntityManager, user: User, organizationId: string, familyId: string = randomUUID()) {
    const refreshToken = newSecret();
    const refreshExpires = new Date(Date.now() + config.REFRESH_TOKEN_TTL_S * 1000);
    em.create(RefreshTokenSchema, {
      id: randomUUID(),
      userId: user.id,
      familyId,
      tokenHash: secretHash(refreshToken),
      expiresAt: refreshExpires,
      usedAt: null,
      revokedAt: null,
      createdAt: new Date(),
    });
    await em.flush();
    const access = await tokens.issue({ sub: user.id, org: organizationId });
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      refreshToken,
      refreshTokenExpiresAt: refreshExpires.toISOString(),
      user: publicUser(user),
      organizationId,
    } satisfies Session;
  }

  async function personalOrganization(em: EntityManager, userId: string): Promise<string> {
    const memberships = await em.find(MembershipSchema, { userId }, { orderBy: { createdAt: "asc" } });
    const first = memberships[0];
    if (!first) throw new AppError("FORBIDDEN", "this account belongs to no organization");
    return first.organizationId;
  }

  return {
    async signup(input: { email: string; password: string; name: string }): Promise<Session> {
      const em = fork();
      const email = normalizeEmail(input.email);
      if (await em.findOne(UserSchema, { email })) {
        throw new AppError("CONFLICT", `an account already exists for ${email}`);
      }
      const now = new Date();
      const passwordHash = await hashPassword(input.password);
      return conflictOnDuplicate(
        () =>
          em.transactional(async (tx) => {
            const user = tx.create(UserSchema, {
              id: randomUUID(),
              email,
              passwordHash,
              name: input.name,
              isOperator: config.OPERATOR_EMAILS.includes(email),
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
            return issueSession(tx, user, org.id);
          }),
        `an account already exists for ${email}`,
      );
    },

    async login(input: { email: string; password: string; organizationId?: string | undefined }): Promise<Session> {
      const em = fork();
      const user = await em.findOne(UserSchema, { email: normalizeEmail(input.email) });
      // Verify against a dummy hash when the user is unknown, so timing does not tell which e-mails exist.
      const ok = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, input.password);
      if (!user || !ok) throw unauthorized("wrong e-mail or password");
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

    /**
     * Rotates a refresh token: the presented one is spent and a new one of the same family is issued.
     * Presenting a spent token revokes its whole family (someone holds a copy), committed before refusing.
     */
    async refresh(refreshToken: string, organizationId?: string): Promise<Session> {
      const em = fork();
      const row = await em.findOne(RefreshTokenSchema, { tokenHash: secretHash(refreshToken) });
      if (!row || row.revokedAt || row.expiresAt.getTime() < Date.now()) {
        throw unauthorized("the refresh token is invalid or expired: sign in again");
      }
      const reuse = async () => {
        const fresh = fork();
        await fresh.nativeUpdate(
          RefreshTokenSchema,
          { familyId: row.familyId, revokedAt: null },
          { revokedAt: new Date() },
        );
        recordAudit(fresh, {
          actorUserId: row.userId,
          action: "auth.refresh_reuse",
          details: { familyId: row.familyId },
        });
        await fresh.flush();
        return new AppError("UNAUTHORIZED", "the refresh token was already used: every session of it is revoked");
      };
      if (row.usedAt) throw await reuse();
      const session = await em.transactional(async (tx) => {
        // Conditional update: of two concurrent uses of one token, only one spends it.
        const spent = await tx.nativeUpdate(RefreshTokenSchema, { id: row.id, usedAt: null }, { usedAt: new Date() });
        if (spent !== 1) return null;
        const user = await tx.findOneOrFail(UserSchema, { id: row.userId });
        let org = organizationId;
        if (org) {
          if (!(await tx.findOne(MembershipSchema, { userId: user.id, organizationId: org }))) {
            throw forbidden("you are not a member of that organization");
          }
        } else {
          org = await personalOrganization(tx, user.id);
        }
        return issueSession(tx, user, org, row.familyId);
      });
      if (!session) throw await reuse();
      return session;
    },

    async logout(refreshToken: string): Promise<void> {
      const em = fork();
      const row = await em.findOne(RefreshTokenSchema, { tokenHash: secretHash(refreshToken) });
      if (row) await em.nativeUpdate(RefreshTokenSchema, { familyId: row.familyId }, { revokedAt: new Date() });
    },

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

    /** Resolves `Authorization: Bearer <access token | API key>` to a caller, or `null`. */
    async authenticate(bearer: string): Promise<Caller | null> {
      const em = fork();
      const apiKey = parseApiKey(bearer);
      if (apiKey) {
        const key = await em.findOne(ApiKeySchema, { prefix: apiKey.prefix, revokedAt: null });
        if (!key || !sameHash(key.secretHash, secretHash(apiKey.secret))) return null;
        const [membership, user] = await Promise.all([
          em.findOne(MembershipSchema, { userId: key.userId, organizationId: key.organizationId }),
          em.findOne(UserSchema, { id: key.userId }),
        ]);
        if (!membership || !user) return null;
        await em.nativeUpdate(ApiKeySchema, { id: key.id }, { lastUsedAt: new Date() });
        return {
          userId: key.userId,
          organizationId: key.organizationId,
          role: membership.role,
          isOperator: user.isOperator,
          via: "api-key",
          apiKeyId: key.id,
        };
      }
      const claims = await tokens.verify(bearer);
      if (!claims) return null;
      const [membership, user] = await Promise.all([
        em.findOne(MembershipSchema, { userId: claims.sub, organizationId: claims.org }),
        em.findOne(UserSchema, { id: claims.sub }),
      ]);
      if (!membership || !user) return null;
      return {
        userId: user.id,
        organizationId: membership.organizationId,
        role: membership.role,
        isOperator: user.isOperator,
        via: "access-token",
      };
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;

// argon2id hash of a random string nobody knows, verified against when the e-mail is unknown.
const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$6TrBDY6XCi/Zc7blU5i89Q$3wLWobpZDZ8zmSyR9q6CCMhAhV+EtroEgNWrBBeE96s";
