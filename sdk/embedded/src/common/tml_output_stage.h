/*
 * The output stage of the optimized int8 kernels (internal): per output channel, acc + bias requantized with
 * TFLite's MultiplyByQuantizedMultiplier, plus the output offset, clamped.
 *
 * TFLite rounds twice: x = SaturatingRoundingDoublingHighMul(acc, m) = floor((acc * m + 2^30) / 2^31), then
 * RoundingDivideByPOT(x, r) (half away from zero) = floor((x + 2^(r-1) - [x < 0]) / 2^r) for r >= 1. Since
 * floor(floor(a) + c) = floor(a + c) for an integer c, both fold into one 64-bit expression:
 *     y = floor((acc * m + 2^30 + 2^(30+r) - [x < 0] * 2^31) / 2^(31+r)),
 * and with 31 + r >= 32 that is the high word of the 64-bit sum shifted right by r - 1: one SMLAL whose
 * initial value (the rounding constant, per channel) is precomputed. [x < 0] is [acc * m + 2^30 < 0], which for
 * a QuantizeMultiplier multiplier (m = 0 or 2^30 <= m < 2^31) differs from [acc < 0] only where both give the
 * same y (acc = -1, m = 2^30; or m = 0), so the sign of acc stands in for it. Channels with shift >= 0 (a left
 * shift: rare) take the plain two-step arithmetic. The golden tests hold all of it to TFLM's bytes.
 */
#ifndef TINYML_TML_OUTPUT_STAGE_H
#define TINYML_TML_OUTPUT_STAGE_H

#include <stdint.h>

#include "tml_fixed_point.h"

typedef struct {
  int32_t multiplier;
  uint32_t round_lo; /* 2^30 + 2^(30+r), low and high words */
  int32_t round_hi;
  int32_t high_shift; /* r - 1; -1: shift >= 0, use the two-step path */
  int32_t shift;
} tml_channel_requant;

static inline void tml_prepare_requant(tml_channel_requant *ch, int32_t multiplier, int32_t shift) {
  ch->multiplier = multiplier;
  ch->shift = shift;
  if (shift < 0) {
    const int32_t r = -shift;
    const uint64_t round = ((uint64_t)1 << 30) + ((uint64_t)1 << (30 + r));
    ch->round_lo = (uint32_t)round;
    ch->round_hi = (int32_t)(round >> 32);
    ch->high_shift = r - 1;
  } else {
    ch->round_lo = 0;
    ch->round_hi = 0;
    ch->high_shift = -1;
  }
}

#if defined(__GNUC__)
#define TML_NOINLINE __attribute__((noinline, unused))
#else
#define TML_NOINLINE
#endif

/* Channels with shift >= 0: out of line, so that the common path's loop keeps its registers. */
static TML_NOINLINE int32_t tml_requantize_left(int32_t acc, const tml_channel_requant *ch) {
  return tml_requantize(acc, ch->multiplier, ch->shift);
}

static inline int32_t tml_apply_requant(const tml_channel_requant *ch, int32_t acc) {
  if (ch->high_shift >= 0) {
    const uint32_t negative = (uint32_t)acc >> 31;
    const int64_t round =
        (int64_t)(((uint64_t)(uint32_t)ch->round_hi << 32) | ch->round_lo) - ((int64_t)negative << 31);
    const int64_t q = (int64_t)acc * ch->multiplier + round;
    return (int32_t)(q >> 32) >> ch->high_shift;
  }
  return tml_requantize_left(acc, ch);
}

/* out[c] = clamp(requant_c(acc[c] + (add ? add[c] : 0)) + offset) for c < n. Kept out of line: inlined into a
 * kernel's loop nest it loses its constants to the stack. */
static TML_NOINLINE void tml_output_row(const int32_t *acc, const int32_t *add, const tml_channel_requant *ch,
                                        int32_t n, int32_t offset, int32_t act_min, int32_t act_max, int8_t *out) {
  const int32_t *const end = acc + n;
  if (add) {
    while (acc != end) {
      int32_t v = tml_apply_requant(ch++, *acc++ + *add++) + offset;
      v = v < act_min ? act_min : v;
      *out++ = (int8_t)(v > act_max ? act_max : v);
    }
  } else {
    while (acc != end) {
      int32_t v = tml_apply_requant(ch++, *acc++) + offset;
      v = v < act_min ? act_min : v;
      *out++ = (int8_t)(v > act_max ? act_max : v);
    }
  }
}

#endif /* TINYML_TML_OUTPUT_STAGE_H */
