import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { newApiKey } from "../auth/api-key-format.js";
import { secretHash } from "../auth/secrets.js";
import { type ApiKey, ApiKeySchema } from "../db/entities/index.js";
import { notFound } from "../errors.js";
import { recordAudit } from "./audit.js";
import { type Caller, requireRole } from "./caller.js";

const view = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  userId: k.userId,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

/** API keys of the caller's organization: shown once at creation, stored hashed, revocable. */
export function createApiKeyService(deps: { orm: MikroORM }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async create(caller: Caller, input: { name: string }) {
      const em = fork();
      const { key, prefix, secret } = newApiKey();
      const row = em.create(ApiKeySchema, {
        id: randomUUID(),
        organizationId: caller.organizationId,
        userId: caller.userId,
        name: input.name,
        prefix,
        secretHash: secretHash(secret),
        createdAt: new Date(),
        lastUsedAt: null,
        revokedAt: null,
      });
      recordAudit(em, {
        organizationId: caller.organizationId,
        actorUserId: caller.userId,
        action: "api_key.create",
        details: { id: row.id, prefix },
      });
      await em.flush();
      return { ...view(row), key };
    },

    async list(caller: Caller) {
      const rows = await fork().find(
        ApiKeySchema,
        { organizationId: caller.organizationId },
        { orderBy: { createdAt: "asc" } },
      );
      return rows.map(view);
    },

    /** Members revoke their own keys; admins and owners any key of the organization. */
    async revoke(caller: Caller, input: { id: string }) {
      const em = fork();
      const row = await em.findOne(ApiKeySchema, { id: input.id, organizationId: caller.organizationId });
      if (!row) throw notFound("API key");
      if (row.userId !== caller.userId) requireRole(caller, "admin", "revoking another member's API key");
      row.revokedAt ??= new Date();
      recordAudit(em, {
        organizationId: caller.organizationId,
        actorUserId: caller.userId,
        action: "api_key.revoke",
        details: { id: row.id },
      });
      await em.flush();
      return view(row);
    },
  };
}
