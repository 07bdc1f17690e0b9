import { randomUUID } from "node:crypto";
import { type BlobStore, signedUrlConformance } from "@tinyml/control-plane";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3_CONFIG, type Served, serveControlPlane, sha256 } from "./support/control-plane-grid.js";

/** Signed blob URLs of both stores over HTTP, behind a served control plane. */
describe.each(["local", "s3"])("signed blob URLs: %s store behind a served control plane", (kind) => {
  let served: Served;
  beforeAll(async () => {
    served = await serveControlPlane(kind === "s3" ? S3_CONFIG : {});
  });
  afterAll(() => served?.close());

  it.each(signedUrlConformance.map((c) => [c.name, c] as const))("%s", async (_name, conformanceCase) => {
    await conformanceCase.run(served.cp.blobStore as BlobStore);
  });

  it("carries an artifact larger than the API's JSON body limit, and answers a forged URL with a JSON 403", async () => {
    const store = served.cp.blobStore;
    const key = `grid/${randomUUID()}/firmware.elf`;
    const bytes = Buffer.alloc(3 * 1024 * 1024, 7);
    const put = await fetch(await store.signedUrl(key, "PUT", 60), { method: "PUT", body: bytes });
    expect(put.status).toBe(200);
    const got = Buffer.from(await (await fetch(await store.signedUrl(key, "GET", 60))).arrayBuffer());
    expect(sha256(got)).toBe(sha256(bytes));
    if (kind === "local") {
      const url = await store.signedUrl(key, "GET", 60);
      expect(url.startsWith(`${served.url}/internal/blobs/${key}?method=GET&expires=`)).toBe(true);
      const forged = await fetch(url.replace(/sig=[0-9a-f]{4}/, "sig=0000"));
      expect(forged.status).toBe(403);
      expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    }
  });
});
