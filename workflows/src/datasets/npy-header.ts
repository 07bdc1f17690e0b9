import { DatasetRefusal } from "./dataset-refusal.js";

/** The element types a dataset array may have (little-endian, as NumPy writes them on every common machine). */
export type NpyDType = "float32" | "float64" | "int8" | "uint8" | "int16" | "int32" | "int64" | "bool" | "float16";

/** NumPy's `descr` → element type and its size in bytes; any other descr is refused (big-endian, objects, records). */
export const NPY_DTYPES: Readonly<Record<string, { dtype: NpyDType; bytes: number }>> = Object.freeze({
  "<f4": { dtype: "float32", bytes: 4 },
  "<f8": { dtype: "float64", bytes: 8 },
  "|i1": { dtype: "int8", bytes: 1 },
  "<i1": { dtype: "int8", bytes: 1 },
  "|u1": { dtype: "uint8", bytes: 1 },
  "<u1": { dtype: "uint8", bytes: 1 },
  "<i2": { dtype: "int16", bytes: 2 },
  "<i4": { dtype: "int32", bytes: 4 },
  "<i8": { dtype: "int64", bytes: 8 },
  "|b1": { dtype: "bool", bytes: 1 },
  "<f2": { dtype: "float16", bytes: 2 },
});

/** What a .npy header says of its array: everything needed to size and read the data that follows it. */
export interface NpyHeader {
  descr: string;
  dtype: NpyDType;
  shape: number[];
  /** Bytes of the header (magic, version, length and the dict): the data starts here. */
  headerBytes: number;
  /** Bytes of the data: the product of the shape times the element size. */
  dataBytes: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/**
 * The longest header read (NumPy pads its headers to 64 bytes and np.load refuses more than 10,000 bytes by
 * default): a longer one is refused before it is gathered.
 */
export const MAX_NPY_HEADER_BYTES = 64 * 1024;

const bad = (name: string, why: string): never => {
  throw new DatasetRefusal("invalid", `${name} is not a valid .npy array: ${why}`);
};

/** The length of the header's dict and where it starts, once the fixed prefix has arrived; `null` before. */
function dictSpan(bytes: Uint8Array, name: string): { start: number; length: number } | null {
  if (bytes.length < 10) {
    if (!MAGIC.slice(0, bytes.length).every((b, i) => bytes[i] === b)) bad(name, "missing the \\x93NUMPY magic");
    return null;
  }
  if (!MAGIC.every((b, i) => bytes[i] === b)) bad(name, "missing the \\x93NUMPY magic");
  const major = bytes[6] as number;
  if (major < 1 || major > 3) bad(name, `format version ${major} is not one NumPy writes (1 to 3)`);
  if (major === 1) return { start: 10, length: (bytes[8] as number) | ((bytes[9] as number) << 8) };
  if (bytes.length < 12) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 12);
  return { start: 12, length: view.getUint32(8, true) };
}

/** The shape tuple's dimensions: non-negative integers, "()" for a scalar and "(n,)" for a vector. */
function parseShape(text: string, name: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 1 && parts[0] === "") return [];
  return parts.map((p) => {
    if (!/^\d{1,16}$/.test(p)) bad(name, `bad shape (${text})`);
    const d = Number(p);
    if (!Number.isSafeInteger(d)) bad(name, `bad shape (${text})`);
    return d;
  });
}

/**
 * Parses the header of a .npy file (format versions 1–3) from its first bytes: `null` while more bytes are
 * needed, the header once complete. Only little-endian numeric dtypes in C order are accepted. The data's size
 * is computed in floating point, so a shape whose product overflows is still seen as huge rather than wrapped.
 */
export function parseNpyHeader(bytes: Uint8Array, name = "array"): NpyHeader | null {
  const span = dictSpan(bytes, name);
  if (!span) return null;
  if (span.length > MAX_NPY_HEADER_BYTES) bad(name, `its header declares ${span.length} bytes (at most 64 KiB)`);
  const headerBytes = span.start + span.length;
  if (bytes.length < headerBytes) return null;
  const dict = new TextDecoder("latin1").decode(bytes.subarray(span.start, headerBytes));
  const descr = dict.match(/'descr':\s*'([^']+)'/)?.[1];
  const fortran = dict.match(/'fortran_order':\s*(True|False)/)?.[1];
  const shapeText = dict.match(/'shape':\s*\(([^)]*)\)/)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return bad(name, "unreadable header");
  const type = NPY_DTYPES[descr];
  if (!type) return bad(name, `dtype ${descr} is not supported (use float32, float64 or an integer type)`);
  if (fortran === "True") bad(name, "Fortran-ordered arrays are not supported (save with np.ascontiguousarray)");
  const shape = parseShape(shapeText, name);
  const dataBytes = shape.reduce((a, b) => a * b, 1) * type.bytes;
  return { descr, dtype: type.dtype, shape, headerBytes, dataBytes };
}
