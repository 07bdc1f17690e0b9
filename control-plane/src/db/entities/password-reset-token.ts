import { EntitySchema } from "@mikro-orm/core";

/** A single-use, expiring password reset token, stored as its SHA-256. */
export interface PasswordResetToken {
  id: string;
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  usedAt?: Date | null;
  createdAt: Date;
}

export const PasswordResetTokenSchema = new EntitySchema<PasswordResetToken>({
  name: "PasswordResetToken",
  tableName: "password_reset_tokens",
  properties: {
    id: { type: "uuid", primary: true },
    userId: { type: "uuid", index: true },
    tokenHash: { type: "string", length: 64, unique: true },
    expiresAt: { type: "datetime" },
    usedAt: { type: "datetime", nullable: true },
    createdAt: { type: "datetime" },
  },
});
