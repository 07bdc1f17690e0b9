import { describe, expect, it } from "vitest";
import {
  calculateInputRadius,
  frexp,
  quantizeMultiplier,
  quantizeMultiplierGreaterThanOne,
  quantizeMultiplierSmallerThanOne,
  softmaxInputScaling,
} from "./fixed-point.js";

// Expected values are TensorFlow Lite's own (tensorflow/lite/kernels/internal/quantization_util_test.cc).
const q = (d: number) => {
  const m = quantizeMultiplier(d);
  return [m.multiplier, m.shift];
};

describe("frexp", () => {
  it("splits like C's frexp", () => {
    expect(frexp(1)).toEqual({ mantissa: 0.5, exponent: 1 });
    expect(frexp(0.25)).toEqual({ mantissa: 0.5, exponent: -1 });
    expect(frexp(-1)).toEqual({ mantissa: -0.5, exponent: 1 });
    expect(frexp(123.45).exponent).toBe(7);
    expect(frexp(123.45).mantissa).toBeCloseTo(0.964453, 6);
    expect(frexp(0)).toEqual({ mantissa: 0, exponent: 0 });
    expect(frexp(5e-324)).toEqual({ mantissa: 0.5, exponent: -1073 }); // the smallest subnormal
  });
});

describe("quantizeMultiplier (TFLite QuantizeMultiplier)", () => {
  it("matches TFLite on powers of two, signs and zero", () => {
    expect(q(-4)).toEqual([-1073741824, 3]);
    expect(q(-0.5)).toEqual([-1073741824, 0]);
    expect(q(-0.125)).toEqual([-1073741824, -2]);
    expect(q(0)).toEqual([0, 0]);
    expect(q(0.125)).toEqual([1073741824, -2]);
    expect(q(0.5)).toEqual([1073741824, 0]);
    expect(q(1)).toEqual([1073741824, 1]);
    expect(q(4)).toEqual([1073741824, 3]);
  });

  it("matches TFLite's QuantizeMultiplierSmallerThanOneExp cases (rounding up to 2^31 bumps the shift)", () => {
    const s = (d: number) => {
      const m = quantizeMultiplierSmallerThanOne(d);
      return [m.multiplier, m.shift];
    };
    expect(s(0.25)).toEqual([1073741824, -1]);
    expect(s(0.5 - 5e-9)).toEqual([2147483627, -1]);
    expect(s(0.5 - 1e-10)).toEqual([1073741824, 0]);
    expect(s(0.5)).toEqual([1073741824, 0]);
    expect(s(0.75)).toEqual([1610612736, 0]);
    expect(s(1 - 1e-9)).toEqual([2147483646, 0]);
    expect(() => s(1 - 1e-15)).toThrow(RangeError);
    expect(() => s(0)).toThrow(RangeError);
  });

  it("matches TFLite's QuantizeMultiplierGreaterThanOne cases", () => {
    const g = (d: number) => {
      const m = quantizeMultiplierGreaterThanOne(d);
      return [m.multiplier, m.shift];
    };
    expect(g(1 + 1e-11)).toEqual([1073741824, 1]);
    expect(g(1.25)).toEqual([1342177280, 1]);
    expect(g(1.5)).toEqual([1610612736, 1]);
    expect(g(1.75)).toEqual([1879048192, 1]);
    expect(g(2 - 1e-9)).toEqual([2147483647, 1]);
    expect(g(2 - 1e-11)).toEqual([1073741824, 2]);
    expect(g(2)).toEqual([1073741824, 2]);
  });

  it("flushes multipliers below 2^-32 to zero as TFLite does (underflow cases)", () => {
    expect(q(2 ** -31)).toEqual([1073741824, -30]);
    expect(q(2 ** -32)).toEqual([1073741824, -31]);
    expect(q(Math.fround(0.99) * 2 ** -32)).toEqual([0, 0]);
    expect(q(2 ** -33)).toEqual([0, 0]);
  });

  it("rounds the Q31 significand half away from zero", () => {
    // 0.75 + 2^-32 has significand 0.75·2^31 + 0.5 exactly: rounds away from zero, not to even (…736).
    const m = quantizeMultiplier(0.75 + 2 ** -32);
    expect(m).toEqual({ multiplier: 1610612737, shift: 0 });
    expect(quantizeMultiplier(-(0.75 + 2 ** -32))).toEqual({ multiplier: -1610612737, shift: 0 });
  });
});

describe("softmax input scaling (PreprocessSoftmaxScaling, CalculateInputRadius)", () => {
  it("computes the KWS reference model's softmax parameters", () => {
    // Input scale of the KWS reference model's softmax (its float32 value), beta 1.
    const p = softmaxInputScaling(1, 0.14469251036643982);
    // real = 0.1446925… · 2^26 = 9710410.6…: frexp gives 0.5787… · 2^24.
    expect(p.inputLeftShift).toBe(24);
    expect(p.inputMultiplier).toBe(Math.round(Math.fround(0.14469251036643982) * 2 ** 26 * 2 ** 7));
    expect(p.diffMin).toBe(-Math.floor((31 * 2 ** 26) / 2 ** 24));
  });

  it("CalculateInputRadius matches TFLite's formula", () => {
    expect(calculateInputRadius(5, 0)).toBe(31 * 2 ** 26);
    expect(calculateInputRadius(4, 27)).toBe(Math.floor((15 * 2 ** 27) / 2 ** 27));
    expect(calculateInputRadius(5, 31)).toBe(0);
  });
});
