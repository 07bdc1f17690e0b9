import type { Readable } from "node:stream";
import { assertBlobKey, BlobNotFoundError, type BlobStore, BlobTooLargeError } from "../blob/blob-store.js";
import { type BlobUrlSigner, SIGNED_BLOB_PATH, type SignedUrlRefusal } from "../blob/blob-url-signer.js";
import { AppError, notFound } from "../errors.js";

const REFUSALS: Readonly<Record<Exclude<SignedUrlRefusal, "method-mismatch" | "expired">, string>> = {
  malformed: "not a signed blob URL of this control plane (method, expires and sig are required)",
  "bad-signature": "the signature of this blob URL does not match: ask for a new URL instead of changing one",
};

type SignedQuery = Record<string, string>;

/** A refused URL: the message says what to do (ask for a new one), not the code's hint about roles and tiers. */
const forbidden = (message: string) => new AppError("FORBIDDEN", message, { hint: null });

/**
 * The local blob store's signed URLs (`BlobStore.signedUrl`, served at `/internal/blobs/<key>`): reads stream
 * a blob out, writes stream a body in (at most `maxBytes`, refused with 413 while it arrives). A missing,
 * changed or expired signature, or another method than the one signed, is a 403; no credential other than the
 * URL itself is read.
 */
export function createSignedBlobService(deps: { blobStore: BlobStore; signer: BlobUrlSigner; maxBytes: number }) {
  const { blobStore, signer, maxBytes } = deps;

  /** The blob key of a signed URL's path, once its signature allows `method`. */
  const checkedKey = (path: string, method: string, query: SignedQuery) => {
    const key = path.slice(SIGNED_BLOB_PATH.length);
    const refusal = signer.verify(key, method, query);
    if (refusal === "method-mismatch") {
      throw forbidden(`this blob URL was signed for ${query.method}, not for ${method}`);
    }
    if (refusal === "expired") {
      throw forbidden(
        `this blob URL expired at ${new Date(Number(query.expires) * 1000).toISOString()}: ask for a new one`,
      );
    }
    if (refusal) throw forbidden(REFUSALS[refusal]);
    try {
      assertBlobKey(key);
    } catch {
      throw notFound(`blob ${key}`);
    }
    return key;
  };

  return {
    /** The blob a signed GET URL names: its size and content. */
    async read(path: string, query: SignedQuery): Promise<{ bytes: number; stream: Readable }> {
      const key = checkedKey(path, "GET", query);
      const size = await blobStore.stat(key);
      if (!size) throw notFound(`blob ${key}`);
      try {
        return { bytes: size.bytes, stream: await blobStore.get(key) };
      } catch (e) {
        if (e instanceof BlobNotFoundError) throw notFound(`blob ${key}`);
        throw e;
      }
    },

    /** Stores `body` under the key a signed PUT URL names; `declaredBytes` (Content-Length) is checked first. */
    async write(path: string, query: SignedQuery, body: Readable, declaredBytes: number) {
      const key = checkedKey(path, "PUT", query);
      const tooLarge = () =>
        new AppError("PAYLOAD_TOO_LARGE", `blob ${key} is larger than the ${maxBytes} bytes an artifact may have`, {
          hint: null,
        });
      if (declaredBytes > maxBytes) throw tooLarge();
      try {
        return await blobStore.put(key, body, { maxBytes });
      } catch (e) {
        if (e instanceof BlobTooLargeError) throw tooLarge();
        throw e;
      }
    },
  };
}
export type SignedBlobService = ReturnType<typeof createSignedBlobService>;
