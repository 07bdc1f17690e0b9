import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BlobStore, blobStoreConformance, createLocalBlobStore, createS3BlobStore } from "@tinyml/control-plane";
import { afterAll, beforeAll, describe, inject, it } from "vitest";

/** The one blob store conformance suite, run on both implementations: a local folder and the real S3 server. */

const env = inject("stackEnv");
let dir: string;
const stores: Record<string, BlobStore> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cp-blobs-"));
  stores.local = createLocalBlobStore(dir);
  stores.s3 = createS3BlobStore({
    endpoint: env.S3_ENDPOINT as string,
    bucket: env.S3_BUCKET as string,
    region: env.S3_REGION as string,
    accessKeyId: env.S3_ACCESS_KEY_ID as string,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY as string,
    prefix: `conformance-${randomUUID()}`,
  });
});
afterAll(async () => {
  await Promise.all(Object.values(stores).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

describe.each(["local", "s3"])("blob store conformance: %s", (name) => {
  it.each(blobStoreConformance.map((c) => [c.name, c] as const))("%s", async (_name, conformanceCase) => {
    await conformanceCase.run(stores[name] as BlobStore);
  });
});
