import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobTransferError, downloadBlob, uploadBlob } from "./blob-transfer.js";
import { startTestBlobServer, type TestBlobServer } from "./testing/blob-server.js";

let store: TestBlobServer;
beforeAll(async () => {
  store = await startTestBlobServer();
});
afterAll(() => store.close());

describe("blob transfer over signed URLs", () => {
  it("PUTs bytes and text and GETs them back", async () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 251);
    await uploadBlob(store.upload("jobs/1/a.bin"), bytes);
    await uploadBlob(store.upload("jobs/1/b.json"), '{"ok":true}');
    expect(Buffer.from(await downloadBlob(store.ref("jobs/1/a.bin"))).equals(Buffer.from(bytes))).toBe(true);
    expect(new TextDecoder().decode(await downloadBlob(store.ref("jobs/1/b.json")))).toBe('{"ok":true}');
  });

  it("fails a refused or missing blob with its key and HTTP status", async () => {
    const missing = await downloadBlob(store.ref("jobs/1/none")).catch((e) => e);
    expect(missing).toBeInstanceOf(BlobTransferError);
    expect(missing.status).toBe(404);
    expect(missing.message).toMatch(/reading blob jobs\/1\/none failed: HTTP 404.*NoSuchKey/);
    const refused = await uploadBlob(store.upload("refused/x"), "x").catch((e) => e);
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/writing blob refused\/x failed: HTTP 403.*SignatureDoesNotMatch/);
    expect(store.blobs.has("refused/x")).toBe(false);
  });

  it("fails an unreachable store without a status", async () => {
    const closed = await startTestBlobServer();
    const ref = closed.ref("k");
    await closed.close();
    const e = await downloadBlob(ref).catch((err) => err);
    expect(e).toBeInstanceOf(BlobTransferError);
    expect(e.status).toBeNull();
    expect(e.message).toMatch(/cannot read blob k: .*ECONNREFUSED/);
  });
});
