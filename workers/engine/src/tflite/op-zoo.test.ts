import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportTflite } from "./export.js";
import { importTflite } from "./import.js";
import { readTflite } from "./reader.js";
import { builtinName } from "./schema.js";

/**
 * Every operator the engine maps, as the TensorFlow converter writes it in four modes (testdata/make_op_zoo.py):
 * each file is imported and exported again, and both files must give the same output bytes under TensorFlow
 * Lite and (except fp16, which TFLite Micro does not run) TensorFlow Lite Micro.
 */

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const PYTHON = `${ROOT}.venv/bin/python`;
const RUN_TFLITE = `${ROOT}workers/engine/oracle/run_tflite.py`;
const TESTDATA = fileURLToPath(new URL("./testdata/", import.meta.url));
const execFileAsync = promisify(execFile);

interface OracleResult {
  samples: number;
  predictions: number[];
  outputs_sha256: string;
}

async function oracle(model: string, data: string, interpreter: "litert" | "tflm"): Promise<OracleResult> {
  const { stdout } = await execFileAsync(PYTHON, [RUN_TFLITE, model, data, "--interpreter", interpreter], {
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as OracleResult;
}

const OPS = [
  "PAD",
  "PADV2",
  "CONV_2D",
  "DEPTHWISE_CONV_2D",
  "MAX_POOL_2D",
  "AVERAGE_POOL_2D",
  "LOGISTIC",
  "TANH",
  "ADD",
  "MUL",
  "SUB",
  "CONCATENATION",
  "RELU",
  "TRANSPOSE",
  "MEAN",
  "FULLY_CONNECTED",
  "SOFTMAX",
];

let work: string;
let samples: string;

beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run ops/setup`);
  work = mkdtempSync(join(tmpdir(), "tflite-op-zoo-"));
  samples = join(work, "x.npz");
  await execFileAsync(PYTHON, [
    "-c",
    "import sys, numpy as np; np.savez(sys.argv[1], x=np.random.default_rng(2).uniform(0, 1, (48, 8, 6, 3)).astype(np.float32))",
    samples,
  ]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("TFLite op zoo: every supported operator survives import and export unchanged", () => {
  for (const [mode, extra, interpreters] of [
    ["float", [], ["litert", "tflm"]],
    ["fp16", ["DEQUANTIZE"], ["litert"]],
    ["int8", ["QUANTIZE", "DEQUANTIZE"], ["litert", "tflm"]],
    ["int16x8", ["QUANTIZE", "DEQUANTIZE"], ["litert", "tflm"]], // no PADV2: see make_op_zoo.py
  ] as const) {
    it(`${mode}: same ops, same graph on re-import, same output bytes`, async () => {
      const original = `${TESTDATA}op_zoo_${mode}.tflite`;
      const bytes = readFileSync(original);
      const graph = importTflite(bytes, `op_zoo_${mode}`);
      const exported = exportTflite(graph);
      expect(importTflite(exported, `op_zoo_${mode}`)).toEqual(graph);
      const opsOf = (b: Uint8Array) => {
        const m = readTflite(b);
        return new Set(
          m.subgraphs[0]?.operators.map((op) => builtinName(m.operatorCodes[op.opcodeIndex]?.builtinCode ?? -1)),
        );
      };
      const expected = [...OPS, ...extra].filter((op) => mode !== "int16x8" || op !== "PADV2");
      expect([...opsOf(bytes)].sort()).toEqual(expected.sort());
      expect(opsOf(exported)).toEqual(opsOf(bytes));
      const path = join(work, `op_zoo_${mode}.tflite`);
      writeFileSync(path, exported);
      for (const interpreter of interpreters) {
        const [a, b] = await Promise.all([oracle(original, samples, interpreter), oracle(path, samples, interpreter)]);
        expect(a.samples).toBe(48);
        expect(b.outputs_sha256, `${mode} under ${interpreter}`).toBe(a.outputs_sha256);
      }
    }, 60_000);
  }
});
