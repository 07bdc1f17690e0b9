import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { HEAD_BYTES, sampleOf, TAIL_BYTES } from "./model-sample.js";
import { recognizeModelFile } from "./recognize.js";

const TESTDATA = fileURLToPath(new URL("./testdata/", import.meta.url));
const FIXTURES = process.env.TINYML_FIXTURES ?? fileURLToPath(new URL("../../../../shared/fixtures/", import.meta.url));
const testFile = (name: string) => readFileSync(join(TESTDATA, name));
const fixture = (path: string) => readFileSync(join(FIXTURES, path));
const recognize = (bytes: Uint8Array) => recognizeModelFile(sampleOf(bytes));

const work = mkdtempSync(join(tmpdir(), "model-files-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A zip written by Python's zipfile (an independent writer): entries name → size in bytes of seeded noise. */
function pythonZip(name: string, entries: Record<string, number>): Buffer {
  const out = join(work, name);
  const script =
    "import json, random, sys, zipfile\n" +
    "random.seed(0)\n" +
    "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_STORED) as z:\n" +
    "  for name, size in json.loads(sys.argv[2]).items(): z.writestr(name, random.randbytes(size))\n";
  execFileSync("python3", ["-c", script, out, JSON.stringify(entries)]);
  return readFileSync(out);
}

describe("recognizeModelFile on files written by the frameworks (testdata/make_model_files.py)", () => {
  it.each([
    ["tiny.torchscript.pt", "pytorch-zip"],
    ["state_dict.pt", "pytorch-zip"],
    ["tiny.pt2", "pytorch-export"],
    ["tiny.keras", "keras-v3"],
    ["savedmodel.zip", "savedmodel-zip"],
  ])("%s is %s", async (name, format) => {
    expect(await recognize(testFile(name))).toEqual({ format, refusal: null });
  });

  it("finds data.pkl of current PyTorch, written after the tensors with data descriptors, in the central directory", async () => {
    const names = execFileSync("python3", [
      "-c",
      "import sys, zipfile; print('\\n'.join(i.filename for i in zipfile.ZipFile(sys.argv[1]).infolist()))",
      join(TESTDATA, "tiny.torchscript.pt"),
    ]).toString();
    expect(names.split("\n")[0]).not.toMatch(/data\.pkl$/);
    expect((await recognize(testFile("tiny.torchscript.pt"))).format).toBe("pytorch-zip");
  });
});

describe("recognizeModelFile on real public models", () => {
  it.each([
    ["mlperf-tiny/kws/kws_ref_model.tflite", "tflite"],
    ["tflite-micro/hello_world/hello_world_int8.tflite", "tflite"],
    ["onnx/mnist-2018-opset1/model.onnx", "onnx"],
    ["mlperf-tiny/ad/ad01.h5", "keras-h5"],
    ["mlperf-tiny/sww/str_ww_ref_model.h5", "keras-h5"],
  ])("%s is %s", async (path, format) => {
    expect((await recognize(fixture(path))).format).toBe(format);
  });
});

describe("recognizeModelFile from a sample of a large archive", () => {
  it("reads the directory from the tail when the entries lie between head and tail", async () => {
    const zip = pythonZip("large.pt", { "large/data/0": 2 * TAIL_BYTES, "large/data.pkl": 100, "large/version": 2 });
    expect(zip.length).toBeGreaterThan(HEAD_BYTES + TAIL_BYTES);
    expect(await recognize(zip)).toEqual({ format: "pytorch-zip", refusal: null });
  });

  it("refuses, by name, a zip whose directory was cut off", async () => {
    const pt = testFile("tiny.torchscript.pt");
    expect((await recognize(pt.subarray(0, pt.length - 200))).refusal).toMatch(
      /^a zip archive whose central directory cannot be read/,
    );
  });
});

describe("recognizeModelFile refuses other files by name", () => {
  it.each([
    ["an empty file", Buffer.alloc(0), /^an empty file$/],
    ["a NumPy .npz dataset", fixture("onnx/mnist-2018-opset1/test_data_0.npz"), /^a NumPy \.npz archive/],
    ["a text file", Buffer.from("this is a text file, not a network\n"), /^a text file$/],
    ["French text", Buffer.from("Bonjour, ceci n'est pas un modèle"), /^a text file$/],
    ["a WAV recording", fixture("mlperf-tiny/sww/marvin_617de221_0.wav"), /^a binary file of no model format$/],
    ["an ONNX TensorProto", fixture("onnx/mnist-8-test-data-set-0/input_0.pb"), /^a binary file/],
  ])("%s", async (_, bytes, refusal) => {
    const recognition = await recognize(bytes);
    expect(recognition.format).toBeNull();
    expect(recognition.refusal).toMatch(refusal);
  });

  it("a zip of other things, and a Keras-like zip without weights, are neither", async () => {
    for (const zip of [
      pythonZip("notes.zip", { "notes.txt": 10 }),
      pythonZip("keras-like.zip", { "config.json": 2, "metadata.json": 2 }),
    ]) {
      expect((await recognize(zip)).refusal).toMatch(/^a zip archive that is neither a TensorFlow SavedModel/);
    }
  });

  it("a truncated ONNX model is no ONNX model", async () => {
    const onnx = fixture("onnx/mnist-2018-opset1/model.onnx");
    expect(onnx.length).toBeLessThan(HEAD_BYTES);
    expect((await recognize(onnx.subarray(0, onnx.length - 100))).format).toBeNull();
  });
});

describe("recognizeModelFile on damaged archives", () => {
  it("answers for every truncated or corrupted variant of the test archives, never throws", async () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const name of ["tiny.torchscript.pt", "tiny.pt2", "tiny.keras", "savedmodel.zip"]) {
      const bytes = testFile(name);
      for (let i = 0; i < 100; i++) {
        const variant = Buffer.from(bytes.subarray(0, i % 2 ? random(bytes.length) : bytes.length));
        for (let flips = random(8); flips > 0 && variant.length > 0; flips--) {
          variant[random(variant.length)] = random(256);
        }
        const recognition = await recognizeModelFile(sampleOf(variant));
        expect(recognition.format === null).toBe(recognition.refusal !== null);
      }
    }
  });
});
