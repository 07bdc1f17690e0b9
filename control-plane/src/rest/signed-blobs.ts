import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { Hono } from "hono";
import { SIGNED_BLOB_PATH } from "../blob/blob-url-signer.js";
import type { SignedBlobService } from "../services/signed-blob-service.js";

/**
 * The local blob store's signed URLs over HTTP: GET streams the blob out, PUT streams the request body in.
 * The signature, the key and the size limit are the service's to check. A grid-internal route: not part of
 * the public API's document.
 */
export function signedBlobRoutes(signedBlobs: SignedBlobService) {
  return new Hono()
    .get(`${SIGNED_BLOB_PATH}*`, async (c) => {
      const { bytes, stream } = await signedBlobs.read(c.req.path, c.req.query());
      return new Response(Readable.toWeb(stream) as ReadableStream, {
        headers: { "content-type": "application/octet-stream", "content-length": String(bytes) },
      });
    })
    .put(`${SIGNED_BLOB_PATH}*`, async (c) => {
      const body = c.req.raw.body
        ? Readable.fromWeb(c.req.raw.body as unknown as NodeReadableStream<Uint8Array>)
        : Readable.from([]);
      const declared = Number(c.req.header("content-length") ?? Number.NaN);
      return c.json(await signedBlobs.write(c.req.path, c.req.query(), body, declared));
    });
}
