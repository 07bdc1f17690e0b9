import { EngineError } from "../errors.js";

/** A NumPy array read from a .npy file: little-endian data as a typed array, C order. */
export interface NpyArray {
  dtype: NpyDType;
  shape: number[];
  data: Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array | Uint16Array;
}
type NpyDType = "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "float16";

const DESCR: Record<string, NpyDType> = {
  "<f4": "float32",
  "<f8": "float64",
  "|i1": "int8",
  "<i1": "int8",
  "|u1": "uint8",
  "<u1": "uint8",
  "<i2": "int16",
  "<i4": "int32",
  "<i8": "int64",
  "|b1": "bool",
  "<f2": "float16",
};
const BYTES: Record<NpyDType, number> = {
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
};

const bad = (name: string, why: string): never => {
  throw new EngineError("INVALID_DATASET", `${name} is not a valid .npy array: ${why}`);
};

/**
 * Parses a .npy file (format versions 1–3): magic "\x93NUMPY", a header dict with 'descr', 'fortran_order'
 * and 'shape', then the raw data. Only little-endian numeric dtypes in C order are accepted.
 */
export function parseNpy(bytes: Uint8Array, name = "array"): NpyArray {
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== "NUMPY") {
    bad(name, "missing the \\x93NUMPY magic");
  }
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : -1;
  const headerStart = major === 1 ? 10 : 12;
  if (headerLength < 0 || headerStart + headerLength > bytes.length) bad(name, "truncated header");
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = header.match(/'descr':\s*'([^']+)'/)?.[1];
  const fortran = header.match(/'fortran_order':\s*(True|False)/)?.[1];
  const shapeText = header.match(/'shape':\s*\(([^)]*)\)/)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) bad(name, "unreadable header");
  const dtype = DESCR[descr as string];
  if (!dtype) return bad(name, `dtype ${descr} is not supported (use float32, float64 or an integer type)`);
  if (fortran === "True") bad(name, "Fortran-ordered arrays are not supported (save with np.ascontiguousarray)");
  const shape = (shapeText as string)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) bad(name, `bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLength;
  const size = count * BYTES[dtype];
  if (start + size > bytes.length) bad(name, `holds ${bytes.length - start} data bytes, the shape needs ${size}`);
  // A copy at offset 0 of its own buffer (Buffer#slice would share memory, so copy explicitly).
  const copy = new Uint8Array(bytes.subarray(start, start + size));
  const buf = copy.buffer;
  const data = {
    float32: () => new Float32Array(buf, 0, count),
    float64: () => new Float64Array(buf, 0, count),
    int8: () => new Int8Array(buf, 0, count),
    uint8: () => copy,
    bool: () => copy,
    int16: () => new Int16Array(buf, 0, count),
    int32: () => new Int32Array(buf, 0, count),
    int64: () => new BigInt64Array(buf, 0, count),
    float16: () => new Uint16Array(buf, 0, count),
  }[dtype]();
  return { dtype, shape, data };
}
