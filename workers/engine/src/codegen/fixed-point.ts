/**
 * TensorFlow Lite's fixed-point parameter rules, computed ahead of time so that the generated C does no floating
 * point at run time and gets the same bits as TFLite Micro (which computes the same values in its Prepare step).
 *
 * A real multiplier M is represented as a Q31 significand q (int32) and a power-of-two exponent `shift` with
 * M ≈ q · 2^(shift − 31): `shift` > 0 is a left shift, < 0 a right shift (TFLite's "shift" convention, as the
 * runtime header's `multiplier`/`shift` pairs take it). Significand: frexp's mantissa in [0.5, 1) times 2^31,
 * rounded half away from zero (TfLiteRound = std::round); a mantissa that rounds up to 2^31 is halved and the
 * exponent incremented; exponents below −31 flush to zero.
 */

export interface FixedPointMultiplier {
  /** Q31 significand, in [2^30, 2^31) for a positive multiplier (0 for 0). */
  multiplier: number;
  /** Power-of-two exponent: positive shifts left, negative right. */
  shift: number;
}

const scratch = new DataView(new ArrayBuffer(8));

/** C's frexp: x = mantissa · 2^exponent with |mantissa| in [0.5, 1) (0, NaN and ±∞ come back unchanged, exponent 0). */
export function frexp(x: number): { mantissa: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { mantissa: x, exponent: 0 };
  let value = x;
  let bias = 0;
  scratch.setFloat64(0, value);
  let biased = (scratch.getUint16(0) >>> 4) & 0x7ff;
  if (biased === 0) {
    // Subnormal: scale into the normal range first (exact, a power of two).
    value *= 2 ** 64;
    bias = -64;
    scratch.setFloat64(0, value);
    biased = (scratch.getUint16(0) >>> 4) & 0x7ff;
  }
  const exponent = biased - 1022;
  // Multiplying by a power of two is exact for normal doubles.
  return { mantissa: value * 2 ** -exponent, exponent: exponent + bias };
}

/** std::round: half away from zero. */
const roundHalfAway = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));

/** TFLite's QuantizeMultiplier(double, int32_t*, int*) (quantization_util.cc), not TFLITE_SINGLE_ROUNDING. */
export function quantizeMultiplier(realMultiplier: number): FixedPointMultiplier {
  if (realMultiplier === 0) return { multiplier: 0, shift: 0 };
  const { mantissa, exponent } = frexp(realMultiplier);
  let shift = exponent;
  let q = roundHalfAway(mantissa * 2 ** 31);
  if (q === 2 ** 31) {
    q /= 2;
    shift += 1;
  }
  if (q > 2 ** 31 - 1) throw new RangeError(`multiplier ${realMultiplier} does not fit Q31`);
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: q, shift };
}

/** QuantizeMultiplierGreaterThanOne: the same rule, for multipliers > 1 (shift ≥ 0 is checked). */
export function quantizeMultiplierGreaterThanOne(realMultiplier: number): FixedPointMultiplier {
  if (!(realMultiplier > 1)) throw new RangeError(`multiplier ${realMultiplier} is not greater than one`);
  const m = quantizeMultiplier(realMultiplier);
  if (m.shift < 0) throw new RangeError(`multiplier ${realMultiplier} gave a negative shift`);
  return m;
}

/** QuantizeMultiplierSmallerThanOneExp: the same rule for multipliers in (0, 1) (shift ≤ 0 is checked). */
export function quantizeMultiplierSmallerThanOne(realMultiplier: number): FixedPointMultiplier {
  if (!(realMultiplier > 0 && realMultiplier < 1)) {
    throw new RangeError(`multiplier ${realMultiplier} is not in (0, 1)`);
  }
  const m = quantizeMultiplier(realMultiplier);
  if (m.shift > 0) throw new RangeError(`multiplier ${realMultiplier} gave a positive shift`);
  return m;
}

/** A float32 value as TFLite stores scales (flatbuffer `float`): the engine holds scales as doubles. */
export const f32 = Math.fround;

/**
 * Softmax int8 input scaling (PreprocessSoftmaxScaling with input_integer_bits = 5, TFLite Micro's softmax
 * Prepare): the multiplier of (x − max) into Q5.26 and the smallest difference that still contributes
 * (diff_min = −CalculateInputRadius(5, left_shift)). beta and the input scale are used as float32 values
 * widened to double, as TFLite Micro does.
 */
export function softmaxInputScaling(
  beta: number,
  inputScale: number,
): {
  inputMultiplier: number;
  inputLeftShift: number;
  diffMin: number;
} {
  const integerBits = 5;
  const maxRealMultiplier = 2 ** 31 - 1;
  const real = Math.min(f32(beta) * f32(inputScale) * 2 ** (31 - integerBits), maxRealMultiplier);
  const { multiplier, shift } = quantizeMultiplierGreaterThanOne(real);
  return { inputMultiplier: multiplier, inputLeftShift: shift, diffMin: -calculateInputRadius(integerBits, shift) };
}

/** CalculateInputRadius: the largest |x − max| (in input units) representable after the left shift. */
export function calculateInputRadius(inputIntegerBits: number, inputLeftShift: number, totalSignedBits = 31): number {
  const maxInputRescaled =
    (((1 << inputIntegerBits) - 1) * 2 ** (totalSignedBits - inputIntegerBits)) / 2 ** inputLeftShift;
  return Math.floor(maxInputRescaled);
}
