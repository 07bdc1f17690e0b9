import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * Test support (not part of the package build): where fixtures live, the folders the engine is given (the
 * embedded runtime, the firmware), and how to call the Python oracles.
 */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
export const RUNTIME_DIR = `${REPO_ROOT}sdk/embedded`;
export const FIRMWARE_DIR = `${REPO_ROOT}hardware-farm/firmware`;
export const FIXTURES = process.env.TINYML_FIXTURES ?? `${REPO_ROOT}../shared/fixtures`;
const GENERATED = process.env.TINYML_FIXTURES_OUT ?? `${REPO_ROOT}.tmp/fixtures`;

/** A shared fixture (../shared/fixtures). */
export const fixture = (path: string): Buffer => readFileSync(`${FIXTURES}/${path}`);

/** A file made by ops/fixtures (.tmp/fixtures); a clear failure when it has not been run. */
export function generated(name: string): Buffer {
  const path = `${GENERATED}/${name}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run ops/fixtures first (ops/test does)`);
  return readFileSync(path);
}
export const generatedPath = (name: string): string => {
  generated(name);
  return `${GENERATED}/${name}`;
};

export interface OracleResult {
  interpreter: string;
  samples: number;
  top1?: number;
  mse?: number;
  predictions: number[];
  outputs_sha256: string;
}

const run = promisify(execFile);

/** Runs a .tflite over a dataset in TFLite (ai-edge-litert) or TensorFlow Lite Micro; see oracle/run_tflite.py. */
export async function runTflite(
  model: string,
  data: string,
  interpreter: "litert" | "tflm",
  extra: string[] = [],
): Promise<OracleResult> {
  const { stdout } = await run(
    `${REPO_ROOT}.venv/bin/python`,
    [`${REPO_ROOT}workers/engine/oracle/run_tflite.py`, model, data, "--interpreter", interpreter, ...extra],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as OracleResult;
}
