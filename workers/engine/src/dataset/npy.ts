import { isDatasetRefusal, type NpyDType, type NpyHeader, parseNpyHeader } from "@tinyml/workflows/datasets";
import { EngineError } from "../errors.js";

/** A NumPy array read from a .npy file: little-endian data as a typed array, C order. */
export interface NpyArray {
  dtype: NpyDType;
  shape: number[];
  data: Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array | Uint16Array;
}

/**
 * The typed array over an array's data, as the shared .npz reader (`readNpz`, `keep` mode) hands it: a buffer of
 * exactly the header's data size at offset 0, so every element type is aligned and nothing is copied.
 */
export function npyArrayOf(header: NpyHeader, bytes: Uint8Array): NpyArray {
  const { dtype, shape } = header;
  const buf = bytes.buffer as ArrayBuffer;
  const at = bytes.byteOffset;
  const count = shape.reduce((a, b) => a * b, 1);
  const data = {
    float32: () => new Float32Array(buf, at, count),
    float64: () => new Float64Array(buf, at, count),
    int8: () => new Int8Array(buf, at, count),
    uint8: () => bytes,
    bool: () => bytes,
    int16: () => new Int16Array(buf, at, count),
    int32: () => new Int32Array(buf, at, count),
    int64: () => new BigInt64Array(buf, at, count),
    float16: () => new Uint16Array(buf, at, count),
  }[dtype]();
  return { dtype, shape, data };
}

/** Parses a whole .npy file (what `tinyml-engine` and the oracles write with --dump-outputs). */
export function parseNpy(bytes: Uint8Array, name = "array"): NpyArray {
  const invalid = (why: string) => new EngineError("INVALID_DATASET", why);
  let header: NpyHeader | null;
  try {
    header = parseNpyHeader(bytes, name);
  } catch (e) {
    throw isDatasetRefusal(e) ? invalid(e.message) : e;
  }
  if (!header) throw invalid(`${name} is not a valid .npy array: truncated header`);
  const data = bytes.subarray(header.headerBytes);
  if (data.length < header.dataBytes) {
    throw invalid(
      `${name} is not a valid .npy array: holds ${data.length} data bytes, the shape needs ${header.dataBytes}`,
    );
  }
  return npyArrayOf(header, new Uint8Array(data.subarray(0, header.dataBytes)));
}
