import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyGraph } from "../ir/verify.js";
import { exportTflite } from "./export.js";
import { importTflite } from "./import.js";

/**
 * Round trip acceptance: importing a TFLite model and exporting it again changes nothing TFLite computes. Both
 * files run on the same inputs under TensorFlow Lite (ai-edge-litert) and TensorFlow Lite Micro through the
 * engine's oracle (workers/engine/oracle/run_tflite.py), and the raw output bytes of every sample must hash
 * the same.
 */

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const FIXTURES = process.env.TINYML_FIXTURES ?? `${ROOT}../shared/fixtures`;
const DERIVED = process.env.TINYML_FIXTURES_OUT ?? `${ROOT}.tmp/fixtures`;
const PYTHON = `${ROOT}.venv/bin/python`;
const RUN_TFLITE = `${ROOT}workers/engine/oracle/run_tflite.py`;

interface OracleResult {
  samples: number;
  top1?: number;
  mse?: number;
  predictions: number[];
  outputs_sha256: string;
}

const execFileAsync = promisify(execFile);

async function oracle(model: string, data: string, interpreter: "litert" | "tflm", key = "x"): Promise<OracleResult> {
  const args = [RUN_TFLITE, model, data, "--interpreter", interpreter, "--key", key];
  const { stdout } = await execFileAsync(PYTHON, args, { maxBuffer: 64 << 20 });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as OracleResult;
}

let work: string;

/** Imports `path`, exports it to the work folder, and checks that re-importing the export gives the same graph. */
function roundTrip(path: string): string {
  const original = importTflite(readFileSync(`${FIXTURES}/${path}`), path);
  const bytes = exportTflite(original);
  const reimported = importTflite(bytes, path);
  verifyGraph(reimported);
  expect(reimported).toEqual(original);
  const out = join(work, path.replaceAll("/", "_"));
  writeFileSync(out, bytes);
  return out;
}

beforeAll(() => {
  for (const [path, hint] of [
    [PYTHON, "run ops/setup"],
    [`${DERIVED}/kws_eembc.npz`, "run ops/fixtures (ops/test does)"],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
  }
  work = mkdtempSync(join(tmpdir(), "tflite-roundtrip-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("TFLite round trip: import then export gives bit-identical outputs", () => {
  it("kws_ref_model.tflite on all 1000 EEMBC inputs, under TFLite and TFLite Micro", async () => {
    const reference = `${FIXTURES}/mlperf-tiny/kws/kws_ref_model.tflite`;
    const exported = roundTrip("mlperf-tiny/kws/kws_ref_model.tflite");
    const data = `${DERIVED}/kws_eembc.npz`;
    const [a, b, c, d] = await Promise.all([
      oracle(reference, data, "litert", "x_int8"),
      oracle(exported, data, "litert", "x_int8"),
      oracle(reference, data, "tflm", "x_int8"),
      oracle(exported, data, "tflm", "x_int8"),
    ]);
    expect(a.samples).toBe(1000);
    expect(b.outputs_sha256).toBe(a.outputs_sha256);
    expect(b.predictions).toEqual(a.predictions);
    expect(b.top1).toBeCloseTo(0.902, 3);
    expect(d.samples).toBe(1000);
    expect(d.outputs_sha256).toBe(c.outputs_sha256);
  }, 180_000);

  it("ad01_int8 on the clip's windows and hello_world_int8 on its points, under both interpreters", async () => {
    const cases = [
      ["mlperf-tiny/ad/ad01_int8.tflite", `${DERIVED}/ad_windows.npz`],
      ["tflite-micro/hello_world/hello_world_int8.tflite", `${DERIVED}/hello_world.npz`],
    ] as const;
    for (const [path, data] of cases) {
      if (!existsSync(data)) throw new Error(`${data} is missing: run ops/fixtures`);
      const exported = roundTrip(path);
      for (const interpreter of ["litert", "tflm"] as const) {
        const [a, b] = await Promise.all([
          oracle(`${FIXTURES}/${path}`, data, interpreter),
          oracle(exported, data, interpreter),
        ]);
        expect(a.samples).toBeGreaterThan(100);
        expect(b.outputs_sha256, `${path} under ${interpreter}`).toBe(a.outputs_sha256);
      }
    }
  }, 180_000);

  it("person_detect under TFLite Micro on its two test images (person, no person)", async () => {
    const data = join(work, "person.npz");
    const raw = `${FIXTURES}/tflite-micro/person_detection/testdata`;
    await execFileAsync(PYTHON, [
      "-c",
      "import sys, numpy as np; np.savez(sys.argv[1], x=np.stack([np.fromfile(p, dtype=np.int8).reshape(96, 96, 1) for p in sys.argv[2:]]))",
      data,
      `${raw}/person_int8_96x96x1.raw`,
      `${raw}/no_person_int8_96x96x1.raw`,
    ]);
    const exported = roundTrip("tflite-micro/person_detection/person_detect.tflite");
    const [a, b] = await Promise.all([
      oracle(`${FIXTURES}/tflite-micro/person_detection/person_detect.tflite`, data, "tflm"),
      oracle(exported, data, "tflm"),
    ]);
    expect(b.outputs_sha256).toBe(a.outputs_sha256);
    expect(b.predictions).toEqual([1, 0]); // [no_person, person] scores: person first, then no person
  }, 120_000);
});
