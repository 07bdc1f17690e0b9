import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Test support: the repository's fixtures (shared models, and the datasets ops/fixtures makes under .tmp). */
const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
/** The repository's root folder (its .venv holds NumPy). */
export const REPO = REPO_ROOT;
const FIXTURES = process.env.TINYML_FIXTURES ?? `${REPO_ROOT}../shared/fixtures`;
const GENERATED = process.env.TINYML_FIXTURES_OUT ?? `${REPO_ROOT}.tmp/fixtures`;

export const KWS_FLOAT = `${FIXTURES}/mlperf-tiny/kws/kws_ref_model_float32.tflite`;

/** A file made by ops/fixtures; a clear failure when it has not been run. */
export function generatedPath(name: string): string {
  const path = `${GENERATED}/${name}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run ops/fixtures first (ops/test does)`);
  return path;
}

export const readFixture = (path: string): Buffer => readFileSync(path);
