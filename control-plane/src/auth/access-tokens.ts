import { sign, verify } from "hono/jwt";

/** Claims of a short-lived access token (HS256). */
interface AccessClaims {
  /** User id. */
  sub: string;
  /** Organization the token acts in. */
  org: string;
  /** The user's session generation when issued: the token is void once a password change moved it on. */
  gen: number;
}

export interface AccessTokenIssuer {
  issue(claims: AccessClaims): Promise<{ token: string; expiresAt: Date }>;
  /** The claims of a valid token, or `null` when it is malformed, forged or expired. */
  verify(token: string): Promise<AccessClaims | null>;
}

export function createAccessTokenIssuer(secret: string, ttlSeconds: number): AccessTokenIssuer {
  return {
    async issue(claims) {
      const now = Math.floor(Date.now() / 1000);
      const exp = now + ttlSeconds;
      const token = await sign({ ...claims, iat: now, exp, typ: "access" }, secret, "HS256");
      return { token, expiresAt: new Date(exp * 1000) };
    },
    async verify(token) {
      try {
        const payload = await verify(token, secret, "HS256");
        if (payload.typ !== "access" || typeof payload.sub !== "string" || typeof payload.org !== "string") {
          return null;
        }
        // Tokens issued before generations existed carry none: they belong to the first one.
        const gen = payload.gen ?? 0;
        if (typeof gen !== "number") return null;
        return { sub: payload.sub, org: payload.org, gen };
      } catch {
        return null;
      }
    },
  };
}
