import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/knex";
import type { AccessTokenIssuer } from "../auth/access-tokens.js";
import { newSecret, secretHash } from "../auth/secrets.js";
import type { ControlPlaneConfig } from "../config.js";
import { MembershipSchema, RefreshTokenSchema, type User } from "../db/entities/index.js";
import { AppError } from "../errors.js";

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
  emailVerified: boolean;
}

export const publicUser = (u: User): PublicUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  isOperator: u.isOperator,
  emailVerified: u.emailVerified,
});

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** The organization a user signs in to when none is named: the first one joined (the personal one). */
export async function personalOrganization(em: EntityManager, userId: string): Promise<string> {
  const memberships = await em.find(MembershipSchema, { userId }, { orderBy: { createdAt: "asc" } });
  const first = memberships[0];
  if (!first) throw new AppError("FORBIDDEN", "this account belongs to no organization");
  return first.organizationId;
}

/**
 * Issues sessions: a short-lived access token and a refresh token (stored as a hash, in a family that
 * rotation keeps together) for one user in one organization.
 */
export function createSessionIssuer(deps: {
  tokens: AccessTokenIssuer;
  config: Pick<ControlPlaneConfig, "REFRESH_TOKEN_TTL_S">;
}) {
  const { tokens, config } = deps;
  return async function issueSession(
    em: EntityManager,
    user: User,
    organizationId: string,
    familyId: string = randomUUID(),
  ) {
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
    const access = await tokens.issue({ sub: user.id, org: organizationId, gen: user.sessionGeneration });
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt.toISOString(),
      refreshToken,
      refreshTokenExpiresAt: refreshExpires.toISOString(),
      user: publicUser(user),
      organizationId,
    } satisfies Session;
  };
}
export type IssueSession = ReturnType<typeof createSessionIssuer>;

/**
 * Ends every session of `user` (managed by `em`; flushed by the caller): its refresh tokens are revoked now, and
 * its access tokens stop authenticating once the bumped session generation is committed. API keys stay: they
 * are credentials the user made, not sessions.
 */
export async function endAllSessions(em: EntityManager, user: User): Promise<void> {
  user.sessionGeneration += 1;
  await em.nativeUpdate(RefreshTokenSchema, { userId: user.id, revokedAt: null }, { revokedAt: new Date() });
}
