import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recognizeModelFormat } from "./model-format.js";
import { ModelSampler, sampleOf } from "./model-sample.js";

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO, "../shared/fixtures"));
const fixture = (path: string) => readFile(join(FIXTURES, path));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "recognize-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Zips with Python's zipfile (an independent writer): a folder, or entries given as name → text. */
async function pythonZip(out: string, source: { folder: string } | { entries: Record<string, string> }) {
  const script =
    "import json, os, sys, zipfile\n" +
    "out, spec = sys.argv[1], json.loads(sys.argv[2])\n" +
    "with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:\n" +
    "  if 'folder' in spec:\n" +
    "    for root, _, files in os.walk(spec['folder']):\n" +
    "      for f in files:\n" +
    "        p = os.path.join(root, f); z.write(p, os.path.relpath(p, os.path.dirname(spec['folder'])))\n" +
    "  else:\n" +
    "    for name, text in spec['entries'].items(): z.writestr(name, text)\n";
  await run("python3", ["-c", script, out, JSON.stringify(source)]);
  return readFile(out);
}

/** Recognition through the streaming sampler, fed in small chunks as an upload arrives. */
async function recognizeStreamed(bytes: Buffer) {
  const sampler = new ModelSampler();
  const chunks = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) =>
    bytes.subarray(i * 4096, (i + 1) * 4096),
  );
  await pipeline(Readable.from(chunks), sampler, async (source) => {
    for await (const _ of source);
  });
  return recognizeModelFormat(sampler.sample());
}

describe("recognizeModelFormat (by content, on real public models)", () => {
  it.each([
    ["mlperf-tiny/kws/kws_ref_model.tflite", "tflite"],
    ["tflite-micro/hello_world/hello_world_int8.tflite", "tflite"],
    ["onnx/mnist-2018-opset1/model.onnx", "onnx"],
    ["mlperf-tiny/ad/ad01.h5", "keras-h5"],
    ["mlperf-tiny/sww/str_ww_ref_model.h5", "keras-h5"],
  ])("%s is %s", async (path, format) => {
    const bytes = await fixture(path).catch(() => null);
    if (!bytes) return expect.fail(`fixture ${path} is missing under ${FIXTURES}`);
    expect(recognizeModelFormat(sampleOf(bytes))).toBe(format);
    expect(await recognizeStreamed(bytes)).toBe(format);
  });

  it("recognises a zipped TensorFlow SavedModel folder (MLPerf Tiny KWS)", async () => {
    const zip = await pythonZip(join(dir, "savedmodel.zip"), {
      folder: join(FIXTURES, "mlperf-tiny/kws/kws_ref_model_savedmodel"),
    });
    expect(await recognizeStreamed(zip)).toBe("savedmodel-zip");
  });

  it("recognises the torch.save zip layout (<archive>/data.pkl) and not other zips", async () => {
    const torch = await pythonZip(join(dir, "model.pt"), {
      entries: { "model/data.pkl": "\u0080\u0002}q\u0000.", "model/version": "3\n", "model/data/0": "weights" },
    });
    expect(recognizeModelFormat(sampleOf(torch))).toBe("pytorch-zip");
    const npz = await fixture("onnx/mnist-2018-opset1/test_data_0.npz");
    expect(recognizeModelFormat(sampleOf(npz))).toBeNull();
    const keras3 = await pythonZip(join(dir, "model.keras"), {
      entries: { "config.json": "{}", "metadata.json": "{}" },
    });
    expect(recognizeModelFormat(sampleOf(keras3))).toBeNull();
  });

  it("refuses text, empty files and other binaries", async () => {
    expect(recognizeModelFormat(sampleOf(Buffer.from("this is a text file, not a network\n")))).toBeNull();
    expect(recognizeModelFormat(sampleOf(Buffer.from("Bonjour, ceci n'est pas un modèle")))).toBeNull();
    expect(recognizeModelFormat(sampleOf(Buffer.alloc(0)))).toBeNull();
    expect(recognizeModelFormat(sampleOf(await fixture("mlperf-tiny/sww/marvin_617de221_0.wav")))).toBeNull();
    expect(recognizeModelFormat(sampleOf(await fixture("onnx/mnist-8-test-data-set-0/input_0.pb")))).toBeNull();
  });
});
