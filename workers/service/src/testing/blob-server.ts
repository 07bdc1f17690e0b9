import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { BlobRef, BlobUpload } from "@tinyml/workflows/contracts";

/**
 * Test support (unit tests without the S3 server): a real HTTP server that keeps blobs in memory and answers
 * `GET /blobs/<key>` and `PUT /blobs/<key>` as a signed URL of the store does; keys under `refused/` answer
 * 403, as an expired signature does, and keys under `unavailable/` 503, as a store having a bad moment does. It
 * counts the requests for each key. The integration suite uses the real S3-compatible server instead.
 */
export interface TestBlobServer {
  blobs: Map<string, Buffer>;
  /** Requests received, by key. */
  hits: Map<string, number>;
  ref(key: string): BlobRef;
  upload(key: string): BlobUpload;
  close(): Promise<void>;
}

export async function startTestBlobServer(): Promise<TestBlobServer> {
  const blobs = new Map<string, Buffer>();
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const key = decodeURIComponent(url.pathname.replace(/^\/blobs\//, ""));
    if (!url.pathname.startsWith("/blobs/") || !key) {
      res.writeHead(404).end("no such route");
      return;
    }
    hits.set(key, (hits.get(key) ?? 0) + 1);
    if (key.startsWith("unavailable/")) {
      res.writeHead(503, { "content-type": "text/plain" }).end("SlowDown");
      return;
    }
    if (key.startsWith("refused/")) {
      res.writeHead(403, { "content-type": "text/plain" }).end("SignatureDoesNotMatch");
      return;
    }
    if (req.method === "GET") {
      const blob = blobs.get(key);
      if (!blob) res.writeHead(404, { "content-type": "text/plain" }).end("NoSuchKey");
      else res.writeHead(200, { "content-length": blob.length }).end(blob);
    } else if (req.method === "PUT") {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        blobs.set(key, Buffer.concat(chunks));
        res.writeHead(200).end();
      });
    } else {
      res.writeHead(405).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/blobs/`;
  const url = (key: string) => `${base}${encodeURIComponent(key)}`;
  return {
    blobs,
    hits,
    ref: (key) => ({ key, url: url(key) }),
    upload: (key) => ({ key, url: url(key) }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
