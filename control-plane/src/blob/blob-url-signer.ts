import { createHmac, timingSafeEqual } from "node:crypto";
import { assertBlobKey, type SignedUrlMethod } from "./blob-store.js";

/** Where the control plane serves the local store's signed URLs (`<PUBLIC_URL>/internal/blobs/<key>?…`). */
export const SIGNED_BLOB_PATH = "/internal/blobs/";

/** Why a signed URL was refused (each a 403). */
export type SignedUrlRefusal = "malformed" | "bad-signature" | "expired" | "method-mismatch";

export interface BlobUrlSigner {
  /** `<publicUrl>/internal/blobs/<key>?method=…&expires=<unix s>&sig=<hex HMAC-SHA256>`. */
  sign(key: string, method: SignedUrlMethod, ttlSeconds: number, nowMs?: number): string;
  /**
   * Checks the query of a request for `key` made with `requestMethod`: `null` when it may go ahead, otherwise
   * why not. The signature is checked before the method and the expiry, so a forged URL learns nothing else.
   */
  verify(
    key: string,
    requestMethod: string,
    query: { method?: string | undefined; expires?: string | undefined; sig?: string | undefined },
    nowMs?: number,
  ): SignedUrlRefusal | null;
}

/**
 * HMAC-SHA256 signed URLs for the local blob store, the same idea as an S3 presigned URL: the signature covers
 * the method, the key and the expiry time, so none of them can be changed without the secret.
 */
export function createBlobUrlSigner(options: { publicUrl: string; secret: string }): BlobUrlSigner {
  const base = options.publicUrl.replace(/\/+$/, "");
  const mac = (method: string, key: string, expires: string) =>
    createHmac("sha256", options.secret).update(`${method}\n${key}\n${expires}`).digest();

  return {
    sign(key, method, ttlSeconds, nowMs = Date.now()) {
      assertBlobKey(key);
      const expires = String(Math.floor(nowMs / 1000) + Math.floor(ttlSeconds));
      const sig = mac(method, key, expires).toString("hex");
      return `${base}${SIGNED_BLOB_PATH}${key}?method=${method}&expires=${expires}&sig=${sig}`;
    },
    verify(key, requestMethod, query, nowMs = Date.now()) {
      const { method, expires, sig } = query;
      if (!method || !expires || !sig || !/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(sig)) {
        return "malformed";
      }
      const expected = mac(method, key, expires);
      if (!timingSafeEqual(expected, Buffer.from(sig, "hex"))) return "bad-signature";
      if (method !== requestMethod) return "method-mismatch";
      if (Number(expires) * 1000 < nowMs) return "expired";
      return null;
    },
  };
}
