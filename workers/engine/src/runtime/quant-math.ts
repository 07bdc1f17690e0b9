import { toNumbers } from "../ir/dtype.js";
import type { QuantParams, Tensor } from "../ir/tensor.js";

/** Round half away from zero (C's round(), used by TFLite when quantizing). */
export const roundHalfAway = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));

export const QUANT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

/** Quantizes a real value with one scale and zero point, clamped to [qmin, qmax]. */
export const quantizeValue = (v: number, scale: number, zeroPoint: number, qmin: number, qmax: number): number =>
  Math.min(qmax, Math.max(qmin, roundHalfAway(v / scale) + zeroPoint));

/** Rounds every value in place onto the grid of per-tensor params (the real value a quantized tensor holds). */
export function fakeQuantize(data: Float32Array, q: QuantParams, dtype: string): Float32Array {
  const range = QUANT_RANGE[dtype];
  if (!range) return data;
  const [qmin, qmax] = range;
  const scale = q.scale[0] as number;
  const zp = q.zeroPoint[0] as number;
  for (let i = 0; i < data.length; i++)
    data[i] = (quantizeValue(data[i] as number, scale, zp, qmin, qmax) - zp) * scale;
  return data;
}

/** The real values of a constant tensor: float16 decoded, quantized data dequantized (per-axis too). */
export function realValues(t: Tensor): Float32Array {
  if (!t.data) throw new Error(`tensor ${t.name} is not a constant`);
  if (t.dtype === "float32") return t.data as Float32Array;
  const raw = toNumbers(t.data);
  const q = t.quant;
  if (!q || t.dtype === "float16") return Float32Array.from(raw);
  const out = new Float32Array(raw.length);
  if (q.scale.length === 1) {
    const s = q.scale[0] as number;
    const z = q.zeroPoint[0] as number;
    for (let i = 0; i < raw.length; i++) out[i] = ((raw[i] as number) - z) * s;
    return out;
  }
  const axis = q.axis ?? 0;
  const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = t.shape[axis] as number;
  for (let i = 0; i < raw.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = ((raw[i] as number) - (q.zeroPoint[c] as number)) * (q.scale[c] as number);
  }
  return out;
}
