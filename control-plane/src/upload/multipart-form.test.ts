import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { TIERS } from "@tinyml/workflows/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BlobStore } from "../blob/blob-store.js";
import { createLocalBlobStore } from "../blob/local-blob-store.js";
import { AppError } from "../errors.js";
import { createMetrics } from "../metrics/metrics.js";
import { stageUpload } from "../services/staged-upload.js";
import { readMultipartForm } from "./multipart-form.js";

const BOUNDARY = "----tinyml-test-boundary";
const CHUNK = 64 * 1024;

/**
 * A multipart request whose model_file part is `fileBytes` zeros, sent as a stream without a Content-Length
 * (as a chunked upload is): `pulled()` says how many bytes the reader took from it.
 */
function streamedUpload(fileBytes: number) {
  const encoder = new TextEncoder();
  const head = encoder.encode(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="hardware_target"\r\n\r\ncortex-m4\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="model_file"; filename="model.tflite"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const tail = encoder.encode(`\r\n--${BOUNDARY}--\r\n`);
  let headSent = false;
  let fileSent = 0;
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      let chunk: Uint8Array;
      if (!headSent) {
        headSent = true;
        chunk = head;
      } else if (fileSent < fileBytes) {
        chunk = new Uint8Array(Math.min(CHUNK, fileBytes - fileSent));
        fileSent += chunk.length;
      } else {
        pulled += tail.length;
        controller.enqueue(tail);
        controller.close();
        return;
      }
      pulled += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const request = new Request("http://control-plane.test/api/projects/p/optimize", {
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
    body,
    duplex: "half",
  } as RequestInit);
  return { request, pulled: () => pulled };
}

describe("readMultipartForm", () => {
  let dir: string;
  let store: BlobStore;
  const metrics = createMetrics();
  const stage = (field: "model_file" | "dataset_file", fileName: string, stream: Readable) =>
    stageUpload({
      blobStore: store,
      metrics,
      organizationId: "org-1",
      tier: TIERS.free,
      field,
      fileName,
      stream,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "multipart-form-"));
    store = createLocalBlobStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("stages a file part into the blob store and collects the fields", async () => {
    const { request } = streamedUpload(3_000_000);
    const form = await readMultipartForm(request, stage, {
      maxBytes: 5_000_000,
      tooLarge: () => new AppError("PAYLOAD_TOO_LARGE", "too large"),
    });
    expect(form.failure).toBeNull();
    expect(form.bodyLeftUnread).toBe(false);
    expect(form.fields).toEqual({ hardware_target: "cortex-m4" });
    expect(form.files.map((f) => [f.field, f.fileName, f.bytes])).toEqual([["model_file", "model.tflite", 3_000_000]]);
    expect(await store.list("orgs/org-1/")).toEqual([form.files[0]?.blobKey]);
  });

  it("stops reading a body past its bound, fails with the bound's error and stores nothing", async () => {
    const { request, pulled } = streamedUpload(50_000_000);
    const tooLarge = new AppError("PAYLOAD_TOO_LARGE", "the upload is larger than 1 MB");
    // 1 MB is within the tier's 10 MB per file: only the body bound can stop this body there.
    const form = await readMultipartForm(request, stage, { maxBytes: 1_000_000, tooLarge: () => tooLarge });
    expect(form.failure).toBe(tooLarge);
    expect(form.bodyLeftUnread).toBe(true);
    expect(form.files).toEqual([]);
    expect(await store.list("")).toEqual([]);
    // Not the 50 MB: reading stopped soon after the bound (what the streams had buffered at most).
    expect(pulled()).toBeLessThan(2_000_000);
  });

  it("after a file over the tier's limit, reads the rest of a body within the bound and leaves nothing", async () => {
    const { request, pulled } = streamedUpload(15_000_000);
    const form = await readMultipartForm(request, stage, {
      maxBytes: 21_000_000,
      tooLarge: () => new AppError("PAYLOAD_TOO_LARGE", "too large"),
    });
    expect(form.failure).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: expect.stringMatching(/^model_file "model\.tflite" is larger than the Free tier allows \(10 MB\)/),
    });
    expect(form.bodyLeftUnread).toBe(false);
    expect(pulled()).toBeGreaterThan(15_000_000); // the whole body was read, so the connection stays usable
    expect(await store.list("")).toEqual([]);
  });
});
