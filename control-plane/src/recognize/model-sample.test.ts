import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ModelSample, recognizeModelFile, sampleOf } from "@tinyml/workflows/model-files";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelSampler } from "./model-sample.js";

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO, "../shared/fixtures"));
const fixture = (path: string) => readFile(join(FIXTURES, path));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "recognize-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Zips a folder with Python's zipfile (an independent writer). */
async function pythonZip(out: string, folder: string) {
  const script =
    "import os, sys, zipfile\n" +
    "out, folder = sys.argv[1], sys.argv[2]\n" +
    "with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:\n" +
    "  for root, _, files in os.walk(folder):\n" +
    "    for f in files:\n" +
    "      p = os.path.join(root, f); z.write(p, os.path.relpath(p, os.path.dirname(folder)))\n";
  await run("python3", ["-c", script, out, folder]);
  return readFile(out);
}

/** The sample an upload leaves, fed through the sampler in small chunks as the bytes arrive. */
async function streamedSample(bytes: Buffer) {
  const sampler = new ModelSampler();
  const chunks = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) =>
    bytes.subarray(i * 4096, (i + 1) * 4096),
  );
  await pipeline(Readable.from(chunks), sampler, async (source) => {
    for await (const _ of source);
  });
  return sampler.sample();
}

/** Byte for byte the sample the engine takes of the whole file (compared as buffers: a deep equal is slow). */
const sameSample = (a: ModelSample, b: ModelSample) =>
  a.size === b.size &&
  Buffer.from(a.head).equals(Buffer.from(b.head)) &&
  Buffer.from(a.tail).equals(Buffer.from(b.tail));

describe("ModelSampler keeps of a streamed upload the sample the recognizer reads", () => {
  // Files shorter than the head, between the head and head + tail, and longer than both.
  it.each([
    "tflite-micro/hello_world/hello_world_int8.tflite",
    "tflite-micro/person_detection/person_detect.tflite",
    "mlperf-tiny/ad/ad01.h5",
  ])("%s: byte for byte the engine's sample of the whole file", async (path) => {
    const bytes = await fixture(path).catch(() => null);
    if (!bytes) return expect.fail(`fixture ${path} is missing under ${FIXTURES}`);
    expect(sameSample(await streamedSample(bytes), sampleOf(bytes))).toBe(true);
  });

  it("recognises a zipped TensorFlow SavedModel folder (MLPerf Tiny KWS)", async () => {
    const zip = await pythonZip(
      join(dir, "savedmodel.zip"),
      join(FIXTURES, "mlperf-tiny/kws/kws_ref_model_savedmodel"),
    );
    const sample = await streamedSample(zip);
    expect(sameSample(sample, sampleOf(zip))).toBe(true);
    expect((await recognizeModelFile(sample)).format).toBe("savedmodel-zip");
  });
});
