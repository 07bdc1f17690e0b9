import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BlobStore } from "./blob-store.js";
import { blobStoreConformance } from "./blob-store-conformance.js";
import { createLocalBlobStore } from "./local-blob-store.js";

let dir: string;
let store: BlobStore;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "local-blobs-"));
  store = createLocalBlobStore(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("local blob store: the shared conformance suite", () => {
  it.each(blobStoreConformance.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
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
});
