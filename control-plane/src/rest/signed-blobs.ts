import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { Hono } from "hono";
import { assertBlobKey, BlobNotFoundError, type BlobStore, BlobTooLargeError } from "../blob/blob-store.js";
import { type BlobUrlSigner, SIGNED_BLOB_PATH, type SignedUrlRefusal } from "../blob/blob-url-signer.js";
import { AppError, forbidden, notFound } from "../errors.js";

const REFUSALS: Readonly<Record<Exclude<SignedUrlRefusal, "method-mismatch" | "expired">, string>> = {
  malformed: "not a signed blob URL of this control plane (method, expires and sig are required)",
  "bad-signature": "the signature of this blob URL does not match: ask for a new URL instead of changing one",
};

/**
 * The local blob store's signed URLs (`BlobStore.signedUrl`), served at `/internal/blobs/<key>`: GET streams
 * the blob out, PUT streams the request body in (at most `maxBytes`, refused with 413 while it arrives). A
 * missing, changed or expired signature, or another method than the one signed, is a 403; no credential other
 * than the URL itself is read.
 */
export function signedBlobRoutes(options: { store: BlobStore; signer: BlobUrlSigner; maxBytes: number }) {
  const { store, signer, maxBytes } = options;

  const checkedKey = (path: string, method: string, query: Record<string, string>) => {
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

  return new Hono()
    .get(`${SIGNED_BLOB_PATH}*`, async (c) => {
      const key = checkedKey(c.req.path, "GET", c.req.query());
      const size = await store.stat(key);
      if (!size) throw notFound(`blob ${key}`);
      let stream: Readable;
      try {
        stream = await store.get(key);
      } catch (e) {
        if (e instanceof BlobNotFoundError) throw notFound(`blob ${key}`);
        throw e;
      }
      return new Response(Readable.toWeb(stream) as ReadableStream, {
        headers: { "content-type": "application/octet-stream", "content-length": String(size.bytes) },
      });
    })
    .put(`${SIGNED_BLOB_PATH}*`, async (c) => {
      const key = checkedKey(c.req.path, "PUT", c.req.query());
      const tooLarge = () =>
        new AppError("PAYLOAD_TOO_LARGE", `blob ${key} is larger than the ${maxBytes} bytes an artifact may have`);
      const declared = Number(c.req.header("content-length") ?? Number.NaN);
      if (declared > maxBytes) throw tooLarge();
      const body = c.req.raw.body
        ? Readable.fromWeb(c.req.raw.body as unknown as NodeReadableStream<Uint8Array>)
        : Readable.from([]);
      try {
        const stored = await store.put(key, body, { maxBytes });
        return c.json(stored);
      } catch (e) {
        if (e instanceof BlobTooLargeError) throw tooLarge();
        throw e;
      }
    });
}
