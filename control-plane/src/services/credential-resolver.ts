import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import type { AccessTokenIssuer } from "../auth/access-tokens.js";
import { parseApiKey } from "../auth/api-key-format.js";
import { sameHash, secretHash } from "../auth/secrets.js";
import { ApiKeySchema, MembershipSchema, UserSchema } from "../db/entities/index.js";
import type { Caller } from "./caller.js";

/** Resolves a bearer credential (an API key or an access token) into the caller it stands for. */
export function createCredentialResolver(deps: { orm: MikroORM; tokens: AccessTokenIssuer }) {
  const { tokens } = deps;
  const fork = () => deps.orm.em.fork() as EntityManager;
  /** Resolves `Authorization: Bearer <access token | API key>` to a caller, or `null`. */
  return async function authenticate(bearer: string): Promise<Caller | null> {
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
    // A token of an earlier session generation was issued before the password changed: void.
    if (!membership || !user || user.sessionGeneration !== claims.gen) return null;
    return {
      userId: user.id,
      organizationId: membership.organizationId,
      role: membership.role,
      isOperator: user.isOperator,
      via: "access-token",
    };
  };
}
