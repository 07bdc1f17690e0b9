import { randomBytes } from "node:crypto";
import { newSecret } from "./secrets.js";

/**
 * API keys read `tml_<prefix>_<secret>`: the prefix (public, unique) finds the key row, the secret is checked
 * against its stored hash. The whole key is shown once, at creation.
 */
const KEY_PATTERN = /^tml_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function newApiKey(): { key: string; prefix: string; secret: string } {
  const prefix = randomBytes(9)
    .toString("base64url")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "0")
    .slice(0, 12);
  const secret = newSecret();
  return { key: `tml_${prefix}_${secret}`, prefix, secret };
}

export function parseApiKey(key: string): { prefix: string; secret: string } | null {
  const m = KEY_PATTERN.exec(key);
  return m ? { prefix: m[1] as string, secret: m[2] as string } : null;
}
