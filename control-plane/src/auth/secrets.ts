import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A random opaque secret (refresh tokens, reset tokens, API key secrets): 256 bits, base64url. */
export const newSecret = (): string => randomBytes(32).toString("base64url");

/**
 * The stored form of a high-entropy secret. SHA-256 suffices for 256-bit random secrets (no dictionary to
 * guess from) and keeps lookups by hash cheap; passwords, which are guessable, use argon2id instead.
 */
export const secretHash = (secret: string): string => createHash("sha256").update(secret).digest("hex");

export const sameHash = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
