import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { BlobNotFoundError, type BlobStore, BlobTooLargeError } from "./blob-store.js";

/** One case of the shared blob store suite: it throws (node:assert) when the store misbehaves. */
export interface BlobStoreCase {
  name: string;
  run(store: BlobStore): Promise<void>;
}

/** A deterministic byte pattern of `size` bytes, produced in chunks as an upload would arrive. */
function patternStream(size: number, chunk = 64 * 1024, produced: { bytes: number } = { bytes: 0 }): Readable {
  let sent = 0;
  return new Readable({
    read() {
      produced.bytes = sent;
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk, size - sent);
      const buf = Buffer.alloc(n);
      for (let i = 0; i < n; i++) buf[i] = (sent + i) % 251;
      sent += n;
      this.push(buf);
    },
  });
}

const patternSha256 = (size: number) => {
  const hash = createHash("sha256");
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = i % 251;
  return hash.update(buf).digest("hex");
};

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** A copy of a signed URL with one character of its signature changed (local `sig`, S3 `X-Amz-Signature`). */
function tamperedSignature(url: string): string {
  const u = new URL(url);
  for (const name of ["sig", "X-Amz-Signature"]) {
    const sig = u.searchParams.get(name);
    if (sig) {
      u.searchParams.set(name, `${sig.slice(0, -1)}${sig.endsWith("0") ? "1" : "0"}`);
      return u.toString();
    }
  }
  throw new Error(`no signature in ${url}`);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * The one conformance suite every `BlobStore` passes (the local folder in the control-plane unit tests, S3 on
 * the real S3-compatible server in the integration tests). Each case works under its own random prefix.
 */
export const blobStoreConformance: BlobStoreCase[] = [
  {
    name: "puts a streamed blob and reads back the same bytes, size and SHA-256",
    async run(store) {
      const key = `conformance/${randomUUID()}/model.bin`;
      const size = 6 * 1024 * 1024 + 123; // more than one S3 multipart part
      const stored = await store.put(key, patternStream(size));
      assert.equal(stored.key, key);
      assert.equal(stored.bytes, size);
      assert.equal(stored.sha256, patternSha256(size));
      assert.deepEqual(await store.stat(key), { bytes: size });
      const back = await readAll(await store.get(key));
      assert.equal(back.length, size);
      assert.equal(createHash("sha256").update(back).digest("hex"), stored.sha256);
    },
  },
  {
    name: "stores an empty blob",
    async run(store) {
      const key = `conformance/${randomUUID()}/empty`;
      const stored = await store.put(key, Readable.from([]));
      assert.equal(stored.bytes, 0);
      assert.equal(stored.sha256, createHash("sha256").digest("hex"));
      assert.equal(await text(await store.get(key)), "");
    },
  },
  {
    name: "refuses an upload past maxBytes while streaming and stores nothing",
    async run(store) {
      const prefix = `conformance/${randomUUID()}/`;
      const produced = { bytes: 0 };
      const size = 8 * 1024 * 1024;
      const source = patternStream(size, 64 * 1024, produced);
      await assert.rejects(store.put(`${prefix}big.bin`, source, { maxBytes: 1_000_000 }), (e: unknown) => {
        assert.ok(e instanceof BlobTooLargeError, `expected BlobTooLargeError, got ${String(e)}`);
        assert.equal(e.maxBytes, 1_000_000);
        return true;
      });
      assert.ok(produced.bytes < size, `read ${produced.bytes} of ${size} bytes: the store did not stop early`);
      assert.equal(await store.stat(`${prefix}big.bin`), null);
      assert.deepEqual(await store.list(prefix), []);
    },
  },
  {
    name: "accepts an upload of exactly maxBytes",
    async run(store) {
      const key = `conformance/${randomUUID()}/exact.bin`;
      const stored = await store.put(key, patternStream(4096), { maxBytes: 4096 });
      assert.equal(stored.bytes, 4096);
    },
  },
  {
    name: "overwrites a key, lists a prefix in order and deletes idempotently",
    async run(store) {
      const prefix = `conformance/${randomUUID()}/`;
      await store.put(`${prefix}b.txt`, Readable.from([Buffer.from("first")]));
      await store.put(`${prefix}b.txt`, Readable.from([Buffer.from("second")]));
      await store.put(`${prefix}a/c.txt`, Readable.from([Buffer.from("c")]));
      assert.equal(await text(await store.get(`${prefix}b.txt`)), "second");
      assert.deepEqual(await store.list(prefix), [`${prefix}a/c.txt`, `${prefix}b.txt`]);
      await store.delete(`${prefix}b.txt`);
      await store.delete(`${prefix}b.txt`);
      assert.deepEqual(await store.list(prefix), [`${prefix}a/c.txt`]);
    },
  },
  {
    name: "answers a missing key with BlobNotFoundError and null stat",
    async run(store) {
      const key = `conformance/${randomUUID()}/missing`;
      await assert.rejects(store.get(key), BlobNotFoundError);
      assert.equal(await store.stat(key), null);
    },
  },
  {
    name: "refuses keys that could escape the store",
    async run(store) {
      for (const key of ["../etc/passwd", "/abs", "a/../../b", ""]) {
        await assert.rejects(store.put(key, Readable.from([Buffer.from("x")])), /invalid blob key/);
      }
    },
  },
];

/**
 * The signed-URL half of the suite, with plain `fetch` as a worker or farm agent would: a local store's URLs
 * must be served by the control plane's signed blob route at its public URL, so these cases run where such a
 * server listens (the local store's unit test, the grid integration test for both stores).
 */
export const signedUrlConformance: BlobStoreCase[] = [
  {
    name: "signed URLs: a plain HTTP PUT writes the blob and a plain GET reads the same bytes back",
    async run(store) {
      const key = `conformance/${randomUUID()}/artifact.bin`;
      const size = 300_000;
      const body = await readAll(patternStream(size));
      const put = await fetch(await store.signedUrl(key, "PUT", 60), { method: "PUT", body });
      assert.equal(put.status, 200, `PUT answered ${put.status}: ${await put.text()}`);
      assert.deepEqual(await store.stat(key), { bytes: size });
      const get = await fetch(await store.signedUrl(key, "GET", 60));
      assert.equal(get.status, 200);
      const back = Buffer.from(await get.arrayBuffer());
      assert.equal(createHash("sha256").update(back).digest("hex"), patternSha256(size));
      // A PUT URL overwrites, as a retried activity does; an empty body is an empty blob.
      assert.equal((await fetch(await store.signedUrl(key, "PUT", 60), { method: "PUT", body: "" })).status, 200);
      assert.deepEqual(await store.stat(key), { bytes: 0 });
    },
  },
  {
    name: "signed URLs: another method, a changed signature or key and an expired URL get 403; a missing blob 404",
    async run(store) {
      const prefix = `conformance/${randomUUID()}/`;
      const key = `${prefix}a.bin`;
      await store.put(key, Readable.from([Buffer.from("original")]));
      const getUrl = await store.signedUrl(key, "GET", 60);
      const putUrl = await store.signedUrl(key, "PUT", 60);
      const refused = async (url: string, init: RequestInit = {}) => {
        const res = await fetch(url, init);
        await res.arrayBuffer();
        return res.status;
      };
      assert.equal(await refused(getUrl, { method: "PUT", body: "evil" }), 403, "PUT with a GET URL");
      assert.equal(await refused(putUrl), 403, "GET with a PUT URL");
      assert.equal(await refused(tamperedSignature(getUrl)), 403, "GET with a changed signature");
      assert.equal(await refused(tamperedSignature(putUrl), { method: "PUT", body: "evil" }), 403, "changed PUT");
      assert.equal(await refused(getUrl.replace("/a.bin?", "/b.bin?")), 403, "GET of another key");
      assert.equal(await text(await store.get(key)), "original", "a refused PUT changed the blob");
      assert.deepEqual(await store.list(prefix), [key]);

      const missing = await fetch(await store.signedUrl(`${prefix}missing.bin`, "GET", 60));
      await missing.arrayBuffer();
      assert.equal(missing.status, 404);

      const shortGet = await store.signedUrl(key, "GET", 1);
      const shortPut = await store.signedUrl(key, "PUT", 1);
      await sleep(2100);
      assert.equal(await refused(shortGet), 403, "an expired GET URL");
      assert.equal(await refused(shortPut, { method: "PUT", body: "late" }), 403, "an expired PUT URL");
      assert.equal(await text(await store.get(key)), "original");
    },
  },
];
