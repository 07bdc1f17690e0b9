import { EntitySchema } from "@mikro-orm/core";

/**
 * A single-use, expiring token that proves a user receives mail at `email` (the address it was sent to: a
 * token sent before an e-mail change verifies nothing after it). Stored as its SHA-256, like a reset token.
 */
export interface EmailVerificationToken {
  id: string;
  userId: string;
  email: string;
  tokenHash: string;
  expiresAt: Date;
  usedAt?: Date | null;
  createdAt: Date;
}

export const EmailVerificationTokenSchema = new EntitySchema<EmailVerificationToken>({
  name: "EmailVerificationToken",
  tableName: "email_verification_tokens",
  properties: {
    id: { type: "uuid", primary: true },
    userId: { type: "uuid", index: true },
    email: { type: "string", length: 320 },
    tokenHash: { type: "string", length: 64, unique: true },
    expiresAt: { type: "datetime" },
    usedAt: { type: "datetime", nullable: true },
    createdAt: { type: "datetime" },
  },
});
