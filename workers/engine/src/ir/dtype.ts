/** Element types of IR tensors. `float16` data is held as raw IEEE-754 half bits in a Uint16Array. */
export const DTYPES = ["float32", "float16", "int8", "uint8", "int16", "int32", "int64", "bool"] as const;
export type DType = (typeof DTYPES)[number];

export type TensorData = Float32Array | Uint16Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array;

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
};

/** Allocates a zeroed buffer of `length` elements of `dtype`. */
export function allocData(dtype: DType, length: number): TensorData {
  switch (dtype) {
    case "float32":
      return new Float32Array(length);
    case "float16":
      return new Uint16Array(length);
    case "int8":
      return new Int8Array(length);
    case "uint8":
    case "bool":
      return new Uint8Array(length);
    case "int16":
      return new Int16Array(length);
    case "int32":
      return new Int32Array(length);
    case "int64":
      return new BigInt64Array(length);
  }
}

/** Views little-endian raw bytes (as stored in TFLite buffers and ONNX raw_data) as typed data (copied). */
export function dataFromBytes(dtype: DType, bytes: Uint8Array): TensorData {
  const size = DTYPE_BYTES[dtype];
  if (bytes.length % size !== 0) {
    throw new RangeError(`${bytes.length} bytes is not a whole number of ${dtype} elements`);
  }
  // A copy at offset 0 of its own buffer (Buffer#slice would share memory, so copy explicitly).
  const copy = new Uint8Array(bytes);
  const n = bytes.length / size;
  switch (dtype) {
    case "float32":
      return new Float32Array(copy.buffer, 0, n);
    case "float16":
      return new Uint16Array(copy.buffer, 0, n);
    case "int8":
      return new Int8Array(copy.buffer, 0, n);
    case "uint8":
    case "bool":
      return copy;
    case "int16":
      return new Int16Array(copy.buffer, 0, n);
    case "int32":
      return new Int32Array(copy.buffer, 0, n);
    case "int64":
      return new BigInt64Array(copy.buffer, 0, n);
  }
}

/** The little-endian bytes of typed data (a view, not a copy). */
export const bytesOfData = (data: TensorData): Uint8Array =>
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** Data as plain numbers (int64 converted; exact for |v| < 2^53). */
export function toNumbers(data: TensorData): number[] {
  if (data instanceof BigInt64Array) return Array.from(data, (v) => Number(v));
  if (data instanceof Uint16Array) return Array.from(data, halfToFloat);
  return Array.from(data as ArrayLike<number>);
}

/** float32 → IEEE-754 half bits, round to nearest even (as numpy and TFLite's fp16 converter do). */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (rem > mid || (rem === mid && half & 1) ? half + 1 : half);
  }
  const rem = mant & 0x1fff;
  let out = sign | (e << 10) | (mant >>> 13);
  if (rem > 0x1000 || (rem === 0x1000 && out & 1)) out += 1; // a carry rolls into the exponent, as it should
  return out & 0xffff;
}

/** IEEE-754 half bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
