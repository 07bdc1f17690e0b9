import { EngineError } from "../errors.js";
import type { NpyArray } from "./npy.js";
import { type DatasetLimits, parseNpz } from "./npz.js";

/**
 * A dataset for one model input: `count` samples of `sampleShape` (the model input's shape, batch of 1)
 * as float32, and optional targets: integer class labels, or float values (regression targets).
 */
export interface Dataset {
  count: number;
  sampleShape: number[];
  x: Float32Array;
  labels?: Int32Array;
  values?: Float32Array;
}

const shapeText = (s: readonly number[]) => `(${s.join(", ")})`;

function toFloat32(a: NpyArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  if (a.data instanceof BigInt64Array) return Float32Array.from(a.data, (v) => Number(v));
  if (a.dtype === "float16") throw new EngineError("INVALID_DATASET", "x is float16: save it as float32");
  return Float32Array.from(a.data as ArrayLike<number>);
}

/** The sample of index i (a view into the dataset). */
export const sampleOf = (d: Dataset, i: number): Float32Array => {
  const size = d.x.length / d.count;
  return d.x.subarray(i * size, (i + 1) * size);
};

/**
 * Reads a dataset from .npz bytes and checks it against the model input shape `inputShape` (batch first, 1):
 * `x` must be N × the input shape (with or without the batch dimension of 1) and of a float dtype; `y`, when
 * present, must have N entries: integers are class labels, floats are regression targets. The arrays may inflate to
 * `limits.maxInflatedBytes` at most (by default what the largest tier allows; `parseNpz`).
 */
export async function datasetFromNpz(
  bytes: Uint8Array,
  inputShape: readonly number[],
  limits?: DatasetLimits,
): Promise<Dataset> {
  const arrays = await parseNpz(bytes, limits);
  const x = arrays.get("x");
  const sample = inputShape[0] === 1 ? inputShape.slice(1) : [...inputShape];
  const expected = `x of shape (N, ${sample.join(", ")}) and dtype float32`;
  if (!x) {
    const keys = [...arrays.keys()];
    throw new EngineError(
      "INVALID_DATASET",
      `the dataset has no array "x": expected ${expected}${keys.length ? `; it holds ${keys.map((k) => `"${k}"`).join(", ")}` : ""}`,
    );
  }
  if (x.dtype !== "float32" && x.dtype !== "float64") {
    throw new EngineError("INVALID_DATASET", `x has dtype ${x.dtype}: expected ${expected} (float64 is accepted too)`);
  }
  const n = x.shape[0] ?? 0;
  const rest = x.shape.slice(1);
  const matches = (s: number[]) => s.length === sample.length && s.every((d, i) => d === sample[i]);
  const withBatch = rest[0] === 1 && matches(rest.slice(1));
  if (x.shape.length === 0 || !(matches(rest) || withBatch)) {
    throw new EngineError(
      "INVALID_DATASET",
      `x has shape ${shapeText(x.shape)}: expected ${expected}, the model's input being ${shapeText(inputShape)}`,
    );
  }
  if (n === 0) throw new EngineError("INVALID_DATASET", "x holds no samples");
  const dataset: Dataset = { count: n, sampleShape: [...inputShape], x: toFloat32(x) };
  const y = arrays.get("y");
  if (y) {
    const count = y.shape.reduce((a, b) => a * b, 1);
    if (y.shape[0] !== n) {
      throw new EngineError(
        "INVALID_DATASET",
        `y has shape ${shapeText(y.shape)}: expected ${n} entries, one per sample of x`,
      );
    }
    if (y.dtype === "float32" || y.dtype === "float64") {
      dataset.values = Float32Array.from(y.data as ArrayLike<number>);
    } else if (count === n) {
      dataset.labels = Int32Array.from(
        y.data instanceof BigInt64Array ? Array.from(y.data, Number) : (y.data as ArrayLike<number>),
      );
    } else {
      throw new EngineError(
        "INVALID_DATASET",
        `y has shape ${shapeText(y.shape)}: labels must be one integer per sample`,
      );
    }
  }
  return dataset;
}

/** The first `limit` samples (or all). */
export function takeSamples(d: Dataset, limit: number): Dataset {
  if (limit >= d.count) return d;
  const size = d.x.length / d.count;
  return {
    count: limit,
    sampleShape: d.sampleShape,
    x: d.x.subarray(0, limit * size),
    ...(d.labels ? { labels: d.labels.subarray(0, limit) } : {}),
    ...(d.values ? { values: d.values.subarray(0, (d.values.length / d.count) * limit) } : {}),
  };
}
