import { tiers } from "@tinyml/workflows/contracts";
import { isDatasetRefusal, readNpz } from "@tinyml/workflows/datasets";
import { EngineError } from "../errors.js";
import { type NpyArray, npyArrayOf } from "./npy.js";

/** The most a dataset may inflate to unless the caller says otherwise: what the largest tier allows. */
const DEFAULT_MAX_DATASET_BYTES = Math.max(...tiers().map((t) => t.maxDatasetInflatedBytes));

export interface DatasetLimits {
  /** The most bytes the arrays may take once inflated (.npy headers included); a tier's `maxDatasetInflatedBytes`. */
  maxInflatedBytes: number;
}

const asEngineError = (e: unknown): never => {
  if (isDatasetRefusal(e)) throw new EngineError("INVALID_DATASET", e.message, { refusal: e.kind });
  throw e;
};

/**
 * Checks a dataset against `limits` from its headers, at once: each array's .npy header (shape, dtype, size)
 * and the zip's records, without inflating the data where the zip says where it ends. What a worker does before
 * it hands a dataset to the engine, so a bomb fails the job at once; the reading (`parseNpz`) bounds the
 * inflation by the same headers. Returns the arrays' inflated size.
 */
export async function inspectNpz(bytes: Uint8Array, limits: DatasetLimits): Promise<{ inflatedBytes: number }> {
  const { inflatedBytes } = await readNpz(bytes, { mode: "headers", ...limits }).catch(asEngineError);
  return { inflatedBytes };
}

/**
 * Reads a NumPy .npz archive (np.savez or np.savez_compressed): a zip whose entries `<key>.npy` are arrays. The
 * shared reader (`@tinyml/workflows/datasets`, the one the control plane checks uploads with) checks each array's
 * declared size against the limit before inflating it, bounds the inflation by that size, checks each CRC-32 and
 * the central directory, so a damaged archive or a zip bomb is refused with INVALID_DATASET rather than read.
 */
export async function parseNpz(
  bytes: Uint8Array,
  limits: DatasetLimits = { maxInflatedBytes: DEFAULT_MAX_DATASET_BYTES },
): Promise<Map<string, NpyArray>> {
  const contents = await readNpz(bytes, { mode: "keep", ...limits }).catch(asEngineError);
  const arrays = new Map<string, NpyArray>();
  for (const { key, header, data } of contents.arrays) arrays.set(key, npyArrayOf(header, data as Uint8Array));
  return arrays;
}
