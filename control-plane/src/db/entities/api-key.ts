import { EntitySchema } from "@mikro-orm/core";

/** An API key for the SDK and CI: shown once; only its prefix and the SHA-256 of its secret are kept. */
export interface ApiKey {
  id: string;
  organizationId: string;
  /** The user who made it; the key acts with this user's role in the organization. */
  userId: string;
  name: string;
  prefix: string;
  secretHash: string;
  createdAt: Date;
  lastUsedAt?: Date | null;
  revokedAt?: Date | null;
}

export const ApiKeySchema = new EntitySchema<ApiKey>({
  name: "ApiKey",
  tableName: "api_keys",
  properties: {
    id: { type: "uuid", primary: true },
    organizationId: { type: "uuid", index: true },
    userId: { type: "uuid" },
    name: { type: "string", length: 200 },
    prefix: { type: "string", length: 32, unique: true },
    secretHash: { type: "string", length: 64 },
    createdAt: { type: "datetime" },
    lastUsedAt: { type: "datetime", nullable: true },
    revokedAt: { type: "datetime", nullable: true },
  },
});
