import type { QuantParams } from "../ir/tensor.js";
import { roundHalfAway } from "../runtime/quant-math.js";

/** Activation bit width: 8 (int8, asymmetric) or 16 (int16, symmetric, zero point 0: TFLite's 16x8 mode). */
export type ActivationBits = 8 | 16;

/**
 * Per-tensor activation parameters for a real range, as the TFLite int8 specification wants them:
 * the range is widened to contain 0 (so that zero — padding, ReLU — is exact); int8 is asymmetric with
 * scale (max − min)/255 and an integer zero point in [−128, 127]; int16 is symmetric with zero point 0.
 */
export function activationParams(min: number, max: number, bits: ActivationBits): QuantParams {
  let lo = Math.min(min, 0);
  let hi = Math.max(max, 0);
  if (!(hi - lo > 1e-8)) {
    // A tensor that is constantly zero still needs a valid scale.
    lo = Math.min(lo, -1e-4);
    hi = Math.max(hi, 1e-4);
  }
  if (bits === 16) {
    const scale = Math.max(-lo, hi) / 32767;
    return { scale: [scale], zeroPoint: [0] };
  }
  const scale = (hi - lo) / 255;
  const zeroPoint = Math.min(127, Math.max(-128, roundHalfAway(-128 - lo / scale)));
  return { scale: [scale], zeroPoint: [zeroPoint] };
}

/**
 * Symmetric int8 weights, one scale per slice along `axis` (or per tensor with axis undefined):
 * scale = max|w| / 127, values in [−127, 127] rounded half away from zero (as TFLite), zero points 0.
 */
export function quantizeWeights(
  real: Float32Array,
  shape: number[],
  axis: number | undefined,
): { data: Int8Array; quant: QuantParams } {
  const channels = axis === undefined ? 1 : (shape[axis] as number);
  const inner = axis === undefined ? real.length : shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < real.length; i++) {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c] as number, Math.abs(real[i] as number));
  }
  const scale = Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const data = new Int8Array(real.length);
  for (let i = 0; i < real.length; i++) {
    const s = scale[channelOf(i)] as number;
    const q = roundHalfAway((real[i] as number) / s);
    data[i] = Math.min(127, Math.max(-127, q));
  }
  return {
    data,
    quant: { scale, zeroPoint: new Array<number>(channels).fill(0), ...(axis === undefined ? {} : { axis }) },
  };
}
