/*
 * Fixed-point helpers shared by the kernels (internal; not part of the public API).
 *
 * These reproduce, bit for bit, the scalar int32 arithmetic of TFLite's kernels/internal/common.h and of
 * gemmlowp's fixedpoint.h that TFLite's integer kernels use. A gemmlowp FixedPoint<int32_t, k> value is kept
 * here as its raw int32 with the integer-bit count k implied by the function: raw = value * 2^(31 - k).
 * Additions and subtractions of raw values wrap like gemmlowp's (two's complement int32).
 */
#ifndef TINYML_TML_FIXED_POINT_H
#define TINYML_TML_FIXED_POINT_H

#include <stdint.h>

#define TML_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TML_MAX(a, b) ((a) > (b) ? (a) : (b))
#define TML_CLAMP(x, lo, hi) TML_MIN(TML_MAX((x), (lo)), (hi))

/* Two's complement wrapping add/sub/neg without signed-overflow undefined behaviour. */
static inline int32_t tml_wrap_add(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a + (uint32_t)b);
}
static inline int32_t tml_wrap_sub(int32_t a, int32_t b) {
  return (int32_t)((uint32_t)a - (uint32_t)b);
}
static inline int32_t tml_wrap_neg(int32_t a) {
  return (int32_t)(0u - (uint32_t)a);
}

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31), saturating the one overflow case
 * INT32_MIN * INT32_MIN. gemmlowp nudges by +2^30 (or 1 - 2^30 for a negative product) and divides by 2^31
 * truncating toward zero; for a negative product ceil((ab + 1 - 2^30) / 2^31) = floor((ab + 2^30) / 2^31), so
 * one multiply-accumulate (SMLAL on Arm) and an arithmetic shift give the same bits in every case. */
static inline int32_t tml_srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) {
    return INT32_MAX;
  }
  return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31);
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero. */
static inline int32_t tml_rdbpot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLite MultiplyByQuantizedMultiplier (int32 input, double rounding). */
static inline int32_t tml_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return tml_rdbpot(tml_srdhm((int32_t)((uint32_t)x << left_shift), multiplier), right_shift);
}

/* The same as tml_mbqm for a multiplier from QuantizeMultiplier (never INT32_MIN, so SaturatingRoundingDoubling-
 * HighMul cannot saturate): SMLAL, then RoundingDivideByPOT written branch-free. Used by the optimized kernels'
 * output stage (tml_output_stage.h) for left shifts; tests/tml_requant_test.c holds it to TFLite's arithmetic. */
static inline int32_t tml_requantize(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  const int32_t high =
      (int32_t)(((int64_t)(int32_t)((uint32_t)x << left) * multiplier + ((int64_t)1 << 30)) >> 31);
  const int32_t mask = (int32_t)((1u << right) - 1u);
  const int32_t threshold = (mask >> 1) + (int32_t)((uint32_t)high >> 31);
  return (high >> right) + ((high & mask) > threshold);
}

/* TFLite MultiplyByQuantizedMultiplier (int64 input): 16-bit reduced multiplier, one rounding. */
static inline int32_t tml_mbqm64(int64_t x, int32_t multiplier, int32_t shift) {
  const int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t product = x * (int64_t)reduced + ((int64_t)1 << (total_shift - 1));
  return (int32_t)(product >> total_shift);
}

/* TFLite MultiplyByQuantizedMultiplierGreaterThanOne / SmallerThanOneExp. */
static inline int32_t tml_mbqm_gt_one(int32_t x, int32_t multiplier, int32_t left_shift) {
  return tml_srdhm((int32_t)((uint32_t)x << left_shift), multiplier);
}
static inline int32_t tml_mbqm_lt_one(int32_t x, int32_t multiplier, int32_t left_shift) {
  return tml_rdbpot(tml_srdhm(x, multiplier), -left_shift);
}

/* gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for int32. */
static inline int32_t tml_srmbpot(int32_t x, int exponent) {
  if (exponent > 0) {
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << exponent);
  }
  if (exponent < 0) {
    return tml_rdbpot(x, -exponent);
  }
  return x;
}

static inline int tml_clz32(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  while ((x & 0x80000000u) == 0) {
    x <<= 1;
    ++n;
  }
  return n;
}

static inline int tml_clz64(uint64_t x) {
  int n = 0;
  if (x == 0) return 64;
  while ((x & ((uint64_t)1 << 63)) == 0) {
    x <<= 1;
    ++n;
  }
  return n;
}

/* gemmlowp RoundingHalfSum for int32: (a + b) / 2 rounded away from zero. */
static inline int32_t tml_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2);
}

/* exp(a) for a in [-1/4, 0), a in Q0.31; result Q0.31. Taylor series around -1/8. */
static inline int32_t tml_exp_on_interval_m025_0(int32_t a) {
  const int32_t constant_term = 1895147668;    /* exp(-1/8) */
  const int32_t constant_1_over_3 = 715827883; /* 1/3 */
  const int32_t x = tml_wrap_add(a, 1 << 28);  /* a + 1/8 */
  const int32_t x2 = tml_srdhm(x, x);
  const int32_t x3 = tml_srdhm(x2, x);
  const int32_t x4 = tml_srdhm(x2, x2);
  const int32_t x4_over_4 = tml_srmbpot(x4, -2);
  const int32_t poly =
      tml_srmbpot(tml_wrap_add(tml_srdhm(tml_wrap_add(x4_over_4, x3), constant_1_over_3), x2), -1);
  return tml_wrap_add(constant_term, tml_srdhm(constant_term, tml_wrap_add(x, poly)));
}

/* gemmlowp exp_on_negative_values for a FixedPoint<int32, integer_bits> input <= 0; result Q0.31. */
static inline int32_t tml_exp_on_negative_values(int32_t a, int integer_bits) {
  static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = tml_wrap_sub(a & mask, one_quarter);
  int32_t result = tml_exp_on_interval_m025_0(tml_srmbpot(a_mod_quarter_minus_one_quarter, integer_bits));
  const int32_t remainder = tml_wrap_sub(a_mod_quarter_minus_one_quarter, a);
  int exponent;
  for (exponent = -2; exponent <= 4; ++exponent) {
    if (integer_bits > exponent) {
      const int shift_amount = fractional_bits + exponent;
      if (remainder & (int32_t)((uint32_t)1 << shift_amount)) {
        result = tml_srdhm(result, multipliers[exponent + 2]);
      }
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -((int32_t)1 << (36 - integer_bits));
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

/* Newton-Raphson for 1 / (1 + a) (a in Q0.31, [0, 1)); returns x in Q2.29 after three iterations. */
static inline int32_t tml_newton_reciprocal_q2(int32_t half_denominator) {
  const int32_t constant_48_over_17 = 1515870810;
  const int32_t constant_neg_32_over_17 = -1010580540;
  int32_t x = tml_wrap_add(constant_48_over_17, tml_srdhm(half_denominator, constant_neg_32_over_17));
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = tml_srdhm(half_denominator, x);
    const int32_t one_minus = tml_wrap_sub((int32_t)1 << 29, half_denominator_times_x);
    x = tml_wrap_add(x, tml_srmbpot(tml_srdhm(x, one_minus), 2));
  }
  return x;
}

/* gemmlowp one_over_one_plus_x_for_x_in_0_1: Q0.31 -> Q0.31. */
static inline int32_t tml_one_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = tml_rounding_half_sum(a, INT32_MAX);
  const int32_t x = tml_newton_reciprocal_q2(half_denominator);
  return tml_srmbpot(x, 1); /* ExactMulByPot<-1> relabels Q2 as Q1, Rescale<0> doubles */
}

/* gemmlowp one_minus_x_over_one_plus_x_for_x_in_0_1: Q0.31 -> Q0.31. */
static inline int32_t tml_one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = tml_rounding_half_sum(a, INT32_MAX);
  const int32_t x = tml_newton_reciprocal_q2(half_denominator);
  return tml_srmbpot(tml_wrap_sub(x, (int32_t)1 << 29), 2);
}

/* gemmlowp logistic for FixedPoint<int32, integer_bits>; result Q0.31. */
static inline int32_t tml_logistic_fixed(int32_t a, int integer_bits) {
  int32_t abs_input;
  int32_t result_if_positive;
  if (a == 0) return 1 << 30;
  abs_input = a > 0 ? a : tml_wrap_neg(a);
  result_if_positive = tml_one_over_one_plus_x(tml_exp_on_negative_values(tml_wrap_neg(abs_input), integer_bits));
  return a > 0 ? result_if_positive : tml_wrap_sub(INT32_MAX, result_if_positive);
}

/* gemmlowp tanh for FixedPoint<int32, integer_bits>; result Q0.31. */
static inline int32_t tml_tanh_fixed(int32_t a, int integer_bits) {
  int32_t n;
  int32_t t;
  if (a == 0) return 0;
  n = a < 0 ? a : tml_wrap_neg(a);
  /* ExactMulByPot<1>: same raw, one more integer bit. */
  t = tml_one_minus_x_over_one_plus_x(tml_exp_on_negative_values(n, integer_bits + 1));
  return a < 0 ? tml_wrap_neg(t) : t;
}

/* TFLite GetReciprocal: 1 / x for x a FixedPoint<int32, x_integer_digits> >= 1; result Q0.31 scaled by
 * 2^-num_bits_over_unit. */
static inline int32_t tml_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit) {
  const int headroom_plus_one = tml_clz32((uint32_t)x);
  const int32_t shifted_sum_minus_one = (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  return tml_one_over_one_plus_x(shifted_sum_minus_one);
}

#endif /* TINYML_TML_FIXED_POINT_H */
