import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { TIERS } from "@tinyml/workflows/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BlobStore } from "../blob/blob-store.js";
import { createLocalBlobStore } from "../blob/local-blob-store.js";
import { AppError } from "../errors.js";
import { createMetrics } from "../metrics/metrics.js";
import { stageUpload } from "../services/staged-upload.js";
import { type FormRules, readMultipartForm } from "./multipart-form.js";

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

/** The optimize form's rules, as the route passes them, with `overrides`. */
const rules = (overrides: Partial<FormRules> = {}): FormRules => ({
  fieldNames: ["model_file", "hardware_target", "model_framework", "quantization_type", "dataset_file"],
  maxBytes: 21_000_000,
  tooLarge: () => new AppError("PAYLOAD_TOO_LARGE", "too large"),
  idleTimeoutMs: 30_000,
  ...overrides,
});

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
    const form = await readMultipartForm(request, stage, rules({ maxBytes: 5_000_000 }));
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
    const form = await readMultipartForm(request, stage, rules({ maxBytes: 1_000_000, tooLarge: () => tooLarge }));
    expect(form.failure).toBe(tooLarge);
    expect(form.bodyLeftUnread).toBe(true);
    expect(form.files).toEqual([]);
    expect(await store.list("")).toEqual([]);
    // Not the 50 MB: reading stopped soon after the bound (what the streams had buffered at most).
    expect(pulled()).toBeLessThan(2_000_000);
  });

  it("after a file over the tier's limit, reads the rest of a body within the bound and leaves nothing", async () => {
    const { request, pulled } = streamedUpload(15_000_000);
    const form = await readMultipartForm(request, stage, rules({ maxBytes: 21_000_000 }));
    expect(form.failure).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: expect.stringMatching(/^model_file "model\.tflite" is larger than the Free tier allows \(10 MB\)/),
    });
    expect(form.bodyLeftUnread).toBe(false);
    expect(pulled()).toBeGreaterThan(15_000_000); // the whole body was read, so the connection stays usable
    expect(await store.list("")).toEqual([]);
  });
});

const encoder = new TextEncoder();
const field = (name: string, value: string) =>
  encoder.encode(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
/** A file part's head (its Content-Disposition parameters as given, e.g. `filename="m.tflite"`), then `bytes`. */
const filePart = (name: string, fileParams: string, bytes: number) => [
  encoder.encode(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; ${fileParams}\r\nContent-Type: application/octet-stream\r\n\r\n`,
  ),
  ...Array.from({ length: Math.ceil(bytes / CHUNK) }, (_, i) => new Uint8Array(Math.min(CHUNK, bytes - i * CHUNK))),
  encoder.encode("\r\n"),
];
const closing = encoder.encode(`--${BOUNDARY}--\r\n`);

/**
 * A request whose body is `chunks` and then its end, an error (the connection lost mid-body) or nothing more
 * (a client that stalls, keeping the connection open).
 */
function requestOf(chunks: Uint8Array[], then: "end" | "error" | "stall", contentType?: string) {
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk) controller.enqueue(chunk);
      else if (then === "end") controller.close();
      else if (then === "error") controller.error(new Error("aborted"));
      else return new Promise<void>(() => {}); // never another byte
    },
  });
  return new Request("http://control-plane.test/api/projects/p/optimize", {
    method: "POST",
    headers: { "content-type": contentType ?? `multipart/form-data; boundary=${BOUNDARY}` },
    body,
    duplex: "half",
  } as RequestInit);
}

describe("readMultipartForm on hostile or broken bodies", () => {
  let dir: string;
  let store: BlobStore;
  const metrics = createMetrics();
  const stage = (field: "model_file" | "dataset_file", fileName: string, stream: Readable) =>
    stageUpload({ blobStore: store, metrics, organizationId: "org-1", tier: TIERS.free, field, fileName, stream });
  /** Files left in the store: blobs, and temporary files of writes that did not finish. */
  const leftOver = async () =>
    (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "multipart-hostile-"));
    store = createLocalBlobStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("a body cut off in the middle of a file part ends the part's write, leaves nothing and resolves", async () => {
    const request = requestOf(
      [field("hardware_target", "cortex-m4"), ...filePart("model_file", 'filename="m.tflite"', 3_000_000)].slice(0, 20),
      "error",
    );
    const form = await readMultipartForm(request, stage, rules());
    expect(form.failure).toMatchObject({ code: "BAD_REQUEST", message: "the upload was interrupted: aborted" });
    expect(form.bodyLeftUnread).toBe(true);
    expect(form.files).toEqual([]);
    expect(await leftOver()).toEqual([]);
  });

  it("gives a client that stalls mid-body up after idleTimeoutMs, but waits for a slow blob store", async () => {
    const stalled = requestOf(
      [field("hardware_target", "cortex-m4"), ...filePart("model_file", 'filename="m.tflite"', 3_000_000)].slice(0, 10),
      "stall",
    );
    const started = Date.now();
    const form = await readMultipartForm(stalled, stage, rules({ idleTimeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(form.failure).toMatchObject({
      code: "BAD_REQUEST",
      message: "the upload stalled: no data arrived for 0.3 s",
    });
    expect(form.bodyLeftUnread).toBe(true);
    expect(await leftOver()).toEqual([]);

    // A store slower than the idle timeout holds the body back: that is not the client stalling.
    const slowStage = (f: "model_file" | "dataset_file", name: string, stream: Readable) => {
      const slow = new Transform({ transform: (chunk, _e, done) => void setTimeout(() => done(null, chunk), 150) });
      stream.pipe(slow);
      return stage(f, name, slow);
    };
    const whole = requestOf(
      [field("hardware_target", "cortex-m4"), ...filePart("model_file", 'filename="m.tflite"', 1_000_000), closing],
      "end",
    );
    const slowForm = await readMultipartForm(whole, slowStage, rules({ idleTimeoutMs: 300 }));
    expect(slowForm.failure).toBeNull();
    expect(slowForm.files.map((f) => f.bytes)).toEqual([1_000_000]);
  });

  it("refuses multipart/form-data without a boundary as the client's 400", async () => {
    const request = requestOf([closing], "end", "multipart/form-data");
    await expect(readMultipartForm(request, stage, rules())).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/^the multipart body cannot be read \(Multipart: Boundary not found\)/),
    });
  });

  it("refuses an unknown field by name, a text model_file, and a field past the 40th, reading the body to its end", async () => {
    const fileAndEnd = [...filePart("model_file", 'filename="m.tflite"', 1000), closing];
    const unknown = await readMultipartForm(requestOf([field("colour", "red"), ...fileAndEnd], "end"), stage, rules());
    expect(unknown.failure).toMatchObject({
      code: "BAD_REQUEST",
      message:
        'unknown field "colour": this form takes hardware_target, model_framework, quantization_type and the files model_file, dataset_file',
    });
    expect(unknown.bodyLeftUnread).toBe(false);
    const text = await readMultipartForm(requestOf([field("model_file", "x"), closing], "end"), stage, rules());
    expect(text.failure).toMatchObject({ message: "model_file must be a file part, e.g. curl -F model_file=@file" });
    const many = [
      ...Array.from({ length: 40 }, () => field("hardware_target", "cortex-m4")),
      field("quantization_type", "fp16"),
    ];
    const tooMany = await readMultipartForm(requestOf([...many, ...fileAndEnd], "end"), stage, rules());
    expect(tooMany.failure).toMatchObject({ message: "too many fields: this form takes at most 40 text fields" });
    expect(tooMany.fields.quantization_type).toBeUndefined();
  });

  it("keeps UTF-8 and RFC 5987 file names as sent, refuses one over 255 characters or with control characters", async () => {
    const named = async (fileParams: string) =>
      readMultipartForm(requestOf([...filePart("model_file", fileParams, 1000), closing], "end"), stage, rules());
    const utf8 = await named('filename="модель.tflite"');
    expect(utf8.files.map((f) => f.fileName)).toEqual(["модель.tflite"]);
    const extended = await named(`filename="model.tflite"; filename*=UTF-8''${encodeURIComponent("模型 ü.tflite")}`);
    expect(extended.files.map((f) => f.fileName)).toEqual(["模型 ü.tflite"]);
    for (const f of [...utf8.files, ...extended.files]) await store.delete(f.blobKey);

    const long = await named(`filename="${"я".repeat(256)}"`);
    expect(long.failure).toMatchObject({
      code: "BAD_REQUEST",
      message: "the file name of model_file is 256 characters long: rename the file to at most 255",
    });
    const control = await named("filename*=UTF-8''a%00b%0A.tflite");
    expect(control.failure).toMatchObject({
      message: "the file name of model_file contains control characters: rename the file",
    });
    expect(await leftOver()).toEqual([]);
  });
});
