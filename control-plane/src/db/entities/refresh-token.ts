import { EntitySchema } from "@mikro-orm/core";

/**
 * A refresh token (stored as its SHA-256). Each use rotates it: the used token is marked and a new one of the
 * same family is issued. Presenting a token already used revokes the whole family (a stolen copy was used).
 */
export interface RefreshToken {
  id: string;
  userId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
  usedAt?: Date | null;
  revokedAt?: Date | null;
  createdAt: Date;
}

export const RefreshTokenSchema = new EntitySchema<RefreshToken>({
  name: "RefreshToken",
  tableName: "refresh_tokens",
  properties: {
    id: { type: "uuid", primary: true },
    userId: { type: "uuid", index: true },
    familyId: { type: "uuid", index: true },
    tokenHash: { type: "string", length: 64, unique: true },
    expiresAt: { type: "datetime" },
    usedAt: { type: "datetime", nullable: true },
    revokedAt: { type: "datetime", nullable: true },
    createdAt: { type: "datetime" },
  },
});
