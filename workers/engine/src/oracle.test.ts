import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The oracle chain the engine's exports are judged by (workers/engine/oracle, through the project's .venv):
 * the MLPerf Tiny int8 KWS reference model on the 1000 EEMBC inputs that ops/fixtures derives, under TensorFlow
 * Lite (ai-edge-litert) and TensorFlow Lite Micro. If this chain is wrong, every accuracy check built on it is.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURES = process.env.TINYML_FIXTURES ?? `${ROOT}../shared/fixtures`;
const DERIVED = process.env.TINYML_FIXTURES_OUT ?? `${ROOT}.tmp/fixtures`;
const PYTHON = `${ROOT}.venv/bin/python`;
const RUN_TFLITE = `${ROOT}workers/engine/oracle/run_tflite.py`;
const KWS_INT8 = `${FIXTURES}/mlperf-tiny/kws/kws_ref_model.tflite`;
const KWS_DATA = `${DERIVED}/kws_eembc.npz`;

interface OracleResult {
  interpreter: string;
  samples: number;
  top1?: number;
  predictions: number[];
  outputs_sha256: string;
}

const execFileAsync = promisify(execFile);

async function runTflite(interpreter: "litert" | "tflm", key: "x" | "x_int8"): Promise<OracleResult> {
  const args = [RUN_TFLITE, KWS_INT8, KWS_DATA, "--interpreter", interpreter, "--key", key];
  const { stdout } = await execFileAsync(PYTHON, args, { maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as OracleResult;
}

describe("oracles: int8 KWS reference model on the 1000 EEMBC inputs", () => {
  let litert: OracleResult;
  let tflm: OracleResult;
  let litertFromFloat: OracleResult;

  beforeAll(async () => {
    for (const [path, hint] of [
      [PYTHON, "run ops/setup"],
      [KWS_INT8, "set TINYML_FIXTURES to the shared fixtures folder"],
      [KWS_DATA, "run ops/fixtures (ops/test does)"],
    ] as const) {
      if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
    }
    [litert, tflm, litertFromFloat] = await Promise.all([
      runTflite("litert", "x_int8"),
      runTflite("tflm", "x_int8"),
      runTflite("litert", "x"),
    ]);
  }, 120_000);

  it("scores the reference top-1 (90.2 % upstream) under TFLite and TFLite Micro", () => {
    for (const result of [litert, tflm]) {
      expect(result.samples).toBe(1000);
      expect(result.predictions).toHaveLength(1000);
      expect(result.top1).toBeGreaterThanOrEqual(0.89);
      expect(result.top1).toBeLessThanOrEqual(0.915);
    }
    expect(litert.interpreter).toBe("litert");
    expect(tflm.interpreter).toBe("tflm");
  });

  it("gets the same predictions from TFLite and TFLite Micro on at least 99 % of the inputs", () => {
    const agree = litert.predictions.filter((p, i) => p === tflm.predictions[i]).length;
    expect(agree / 1000).toBeGreaterThanOrEqual(0.99);
  });

  it("quantizes the dequantized float inputs back to the stored int8 inputs exactly", () => {
    // x = scale * (x_int8 - zero_point); the oracle's quantization must give x_int8 back, so the outputs match
    // byte for byte.
    expect(litertFromFloat.outputs_sha256).toBe(litert.outputs_sha256);
  });
});
