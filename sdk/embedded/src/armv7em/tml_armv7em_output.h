/*
 * The output stage of the Armv7E-M twins (internal): ../common/tml_output_stage.h's arithmetic, with the output
 * offset folded into each channel's 64-bit rounding constant and, on the core, one hand-written loop.
 *
 * The common stage computes y = (q >> 32) >> (r - 1) with q = acc * m + round, then adds the output offset. Since
 * both shifts are floors, adding offset * 2^(31 + r) to q adds exactly offset to y; with r <= 23 and |offset| <=
 * 128 (an int8 zero point) the sum cannot leave int64 (|acc * m| < 2^62, |offset * 2^(31 + r)| <= 2^61). Channels
 * outside that (shift >= 0, r > 23, a larger offset) are marked high_shift = -1 and take TFLite's two-step
 * arithmetic in C. The loop on the core is 22 instructions
 * an output where the compiler's is 29 (it reloads the offset from the stack and keeps the left-shift call in the
 * loop); it leaves to C any channel so marked.
 */
#ifndef TINYML_TML_ARMV7EM_OUTPUT_H
#define TINYML_TML_ARMV7EM_OUTPUT_H

#include <stdint.h>

#include "../common/tml_fixed_point.h"
#include "../common/tml_output_stage.h"

static inline void tml_armv7em_prepare_requant(tml_channel_requant *ch, int32_t multiplier, int32_t shift,
                                               int32_t offset) {
  ch->multiplier = multiplier;
  ch->shift = shift;
  if (shift < 0 && shift >= -23 && offset >= -128 && offset <= 128) {
    const int32_t r = -shift;
    const int64_t round =
        ((int64_t)1 << 30) + ((int64_t)1 << (30 + r)) + (int64_t)offset * ((int64_t)1 << (31 + r));
    ch->round_lo = (uint32_t)(uint64_t)round;
    ch->round_hi = (int32_t)(round >> 32);
    ch->high_shift = r - 1;
  } else {
    ch->round_lo = 0;
    ch->round_hi = 0;
    ch->high_shift = -1;
  }
}

/* One output: requantized acc with the offset (folded or, for a marked channel, added), clamped. */
static inline int32_t tml_armv7em_output_one(int32_t acc, const tml_channel_requant *ch, int32_t offset,
                                             int32_t act_min, int32_t act_max) {
  int32_t v;
  if (ch->high_shift >= 0) {
    const uint32_t negative = (uint32_t)acc >> 31;
    const int64_t round =
        (int64_t)(((uint64_t)(uint32_t)ch->round_hi << 32) | ch->round_lo) - ((int64_t)negative << 31);
    v = (int32_t)(((int64_t)acc * ch->multiplier + round) >> 32) >> ch->high_shift;
  } else {
    v = tml_requantize(acc, ch->multiplier, ch->shift) + offset;
  }
  v = v < act_min ? act_min : v;
  return v > act_max ? act_max : v;
}

/* out[c] = clamp(requant_c(acc[c] + (add ? add[c] : 0)) + offset) for c < n; channels prepared by
 * tml_armv7em_prepare_requant with the same offset. */
static TML_NOINLINE void tml_armv7em_output_row(const int32_t *acc, const int32_t *add,
                                                const tml_channel_requant *ch, int32_t n, int32_t offset,
                                                int32_t act_min, int32_t act_max, int8_t *out) {
  const int32_t *const end = acc + n;
  while (acc != end) {
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__thumb2__)
    if (add) {
      uint32_t hs, a, t, lo, hi;
      __asm volatile(
          "1:\n\t"
          "ldr %[hs], [%[ch], #12]\n\t"
          "cmp %[hs], #0\n\t"
          "blt 2f\n\t"
          "ldr %[a], [%[acc]], #4\n\t"
          "ldr %[t], [%[add]], #4\n\t"
          "add %[a], %[a], %[t]\n\t"
          "ldrd %[lo], %[hi], [%[ch], #4]\n\t"
          "and %[t], %[a], #0x80000000\n\t"
          "subs %[lo], %[lo], %[t]\n\t"
          "sbc %[hi], %[hi], #0\n\t"
          "ldr %[t], [%[ch]], #20\n\t"
          "smlal %[lo], %[hi], %[a], %[t]\n\t"
          "asr %[a], %[hi], %[hs]\n\t"
          "cmp %[a], %[amin]\n\t"
          "it lt\n\t"
          "movlt %[a], %[amin]\n\t"
          "cmp %[a], %[amax]\n\t"
          "it gt\n\t"
          "movgt %[a], %[amax]\n\t"
          "strb %[a], [%[out]], #1\n\t"
          "cmp %[acc], %[end]\n\t"
          "bne 1b\n\t"
          "2:\n\t"
          : [acc] "+r"(acc), [add] "+r"(add), [ch] "+r"(ch), [out] "+r"(out), [hs] "=&r"(hs), [a] "=&r"(a),
            [t] "=&r"(t), [lo] "=&r"(lo), [hi] "=&r"(hi)
          : [end] "r"(end), [amin] "r"(act_min), [amax] "r"(act_max)
          : "cc", "memory");
      if (acc == end) break;
    }
#endif
    *out++ = (int8_t)tml_armv7em_output_one(*acc++ + (add ? *add++ : 0), ch++, offset, act_min, act_max);
  }
}

#endif /* TINYML_TML_ARMV7EM_OUTPUT_H */
