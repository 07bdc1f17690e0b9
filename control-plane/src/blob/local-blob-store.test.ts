import { mkdtemp, readdir, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorResponse } from "../http/error-response.js";
import { signedBlobRoutes } from "../rest/signed-blobs.js";
import { createSignedBlobService } from "../services/signed-blob-service.js";
import type { BlobStore } from "./blob-store.js";
import { blobStoreConformance, signedUrlConformance } from "./blob-store-conformance.js";
import { type BlobUrlSigner, createBlobUrlSigner } from "./blob-url-signer.js";
import { createLocalBlobStore } from "./local-blob-store.js";

let dir: string;
let store: BlobStore;
let signer: BlobUrlSigner;
let server: ReturnType<typeof serve>;
let baseUrl: string;
const MAX_BYTES = 1_000_000;

// The signed URLs of the local store are served by the control plane's route: here that route alone, on a
// real port, so the suite's plain fetch calls go through HTTP as a worker's would.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "local-blobs-"));
  let app: Hono | null = null;
  await new Promise<void>((done) => {
    server = serve({ fetch: (req) => (app as Hono).fetch(req), port: 0, hostname: "127.0.0.1" }, () => done());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  signer = createBlobUrlSigner({ publicUrl: baseUrl, secret: "local-blob-store-test-secret-0123456789" });
  store = createLocalBlobStore(dir, signer);
  app = new Hono();
  app.onError((err, c) => errorResponse(c, err));
  app.route("/", signedBlobRoutes(createSignedBlobService({ blobStore: store, signer, maxBytes: MAX_BYTES })));
});
afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  await rm(dir, { recursive: true, force: true });
});

describe("local blob store: the shared conformance suite", () => {
  it.each(
    [...blobStoreConformance, ...signedUrlConformance].map((c) => [c.name, c] as const),
  )("%s", async (_name, c) => {
    await c.run(store);
  });
});

describe("local blob store", () => {
  it("leaves no temporary file behind after a refused upload", async () => {
    const big = Readable.from([Buffer.alloc(600_000), Buffer.alloc(600_000)]);
    await expect(store.put("refused/x.bin", big, { maxBytes: 1_000_000 })).rejects.toThrow("more than 1000000 bytes");
    expect(await readdir(join(dir, ".incoming"))).toEqual([]);
    expect(await store.list("refused/")).toEqual([]);
  });

  it("signed URLs: says why a URL is refused, and refuses a PUT past the artifact limit with 413 storing nothing", async () => {
    const key = "signed/why.bin";
    const answer = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(url, init);
      return [res.status, ((await res.json()) as { error: { message: string } }).error.message] as const;
    };
    expect(await answer(`${baseUrl}/internal/blobs/${key}`)).toEqual([
      403,
      "not a signed blob URL of this control plane (method, expires and sig are required)",
    ]);
    expect(await answer(await store.signedUrl(key, "GET", 60), { method: "PUT", body: "x" })).toEqual([
      403,
      "this blob URL was signed for GET, not for PUT",
    ]);
    const past = signer.sign(key, "GET", 10, Date.UTC(2026, 0, 1));
    expect(await answer(past)).toEqual([403, "this blob URL expired at 2026-01-01T00:00:10.000Z: ask for a new one"]);
    expect(await answer(past.replace(/expires=\d+/, "expires=99999999999"))).toEqual([
      403,
      "the signature of this blob URL does not match: ask for a new URL instead of changing one",
    ]);

    const putUrl = await store.signedUrl(key, "PUT", 60);
    const declared = await answer(putUrl, { method: "PUT", body: Buffer.alloc(MAX_BYTES + 1) });
    expect(declared).toEqual([413, `blob ${key} is larger than the ${MAX_BYTES} bytes an artifact may have`]);
    // Without a Content-Length (a chunked stream), the store stops reading at the limit.
    const chunked = Readable.toWeb(Readable.from([Buffer.alloc(700_000), Buffer.alloc(700_000)])) as ReadableStream;
    const streamed = await fetch(putUrl, { method: "PUT", body: chunked, duplex: "half" } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await store.stat(key)).toBeNull();
    expect(await readdir(join(dir, ".incoming"))).toEqual([]);
  });

  it("a store made without a signer says it cannot hand out URLs", async () => {
    await expect(createLocalBlobStore(dir).signedUrl("a/b", "GET", 60)).rejects.toThrow(/without a URL signer/);
  });
});
