/*
 * Armv7E-M DSP building blocks for the optimized twins (internal).
 *
 * The dual 16-bit multiply-accumulate (SMLAD) does two MACs in one instruction; SXTB16 sign-extends bytes 0
 * and 2 of a word into two halfwords (and, on the word rotated by 8, bytes 1 and 3). So four int8 weights
 * loaded as one word become two halfword pairs (w0, w2) and (w1, w3), and the activations they multiply are
 * stored ahead of time, once per column, as int16 in the matching order x0, x2, x1, x3 (with the input
 * offset already added) -- the CMSIS-NN "reordered q7 -> q15" layout.
 *
 * On a core with the DSP extension (__ARM_FEATURE_DSP) these are the ACLE intrinsics of arm_acle.h; elsewhere
 * (host tests, RV32) they are plain C with the same results, so the same code is tested everywhere.
 */
#ifndef TINYML_TML_ARMV7EM_DSP_H
#define TINYML_TML_ARMV7EM_DSP_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
static inline uint32_t tml_sxtb16(uint32_t x) { return __sxtb16(x); }
static inline uint32_t tml_sxtb16_ror8(uint32_t x) { return __sxtb16((x >> 8) | (x << 24)); } /* SXTB16 ..., ROR #8 */
static inline int32_t tml_smlad(uint32_t a, uint32_t b, int32_t acc) { return __smlad(a, b, acc); }
#else
static inline uint32_t tml_sxtb16(uint32_t x) {
  const uint32_t lo = (uint32_t)(int32_t)(int8_t)(x & 0xFF) & 0xFFFFu;
  const uint32_t hi = (uint32_t)(int32_t)(int8_t)((x >> 16) & 0xFF) << 16;
  return lo | hi;
}
static inline uint32_t tml_sxtb16_ror8(uint32_t x) { return tml_sxtb16((x >> 8) | (x << 24)); }
static inline int32_t tml_smlad(uint32_t a, uint32_t b, int32_t acc) {
  const int32_t lo = (int32_t)(int16_t)(a & 0xFFFF) * (int32_t)(int16_t)(b & 0xFFFF);
  const int32_t hi = (int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16);
  return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
}
#endif

static inline uint32_t tml_read_u32(const void *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* dst[0..n) = src + offset as int16, each group of four stored as x0, x2, x1, x3; the n % 4 tail in order. */
static inline void tml_q7_to_q15_reordered(const int8_t *src, int16_t *dst, int32_t n, int32_t offset) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    dst[i + 0] = (int16_t)(src[i + 0] + offset);
    dst[i + 1] = (int16_t)(src[i + 2] + offset);
    dst[i + 2] = (int16_t)(src[i + 1] + offset);
    dst[i + 3] = (int16_t)(src[i + 3] + offset);
  }
  for (; i < n; ++i) dst[i] = (int16_t)(src[i] + offset);
}

/* acc += sum w[i] * col[i] over n elements, col in the reordered layout above; two weight rows at once. */
static inline void tml_dot2_s8_q15(const int8_t *w0, const int8_t *w1, const int16_t *col, int32_t n, int32_t *acc0,
                                   int32_t *acc1) {
  int32_t a0 = *acc0, a1 = *acc1, i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t x02 = tml_read_u32(col + i), x13 = tml_read_u32(col + i + 2);
    const uint32_t f0 = tml_read_u32(w0 + i), f1 = tml_read_u32(w1 + i);
    a0 = tml_smlad(tml_sxtb16(f0), x02, a0);
    a0 = tml_smlad(tml_sxtb16_ror8(f0), x13, a0);
    a1 = tml_smlad(tml_sxtb16(f1), x02, a1);
    a1 = tml_smlad(tml_sxtb16_ror8(f1), x13, a1);
  }
  for (; i < n; ++i) {
    a0 += (int32_t)w0[i] * col[i];
    a1 += (int32_t)w1[i] * col[i];
  }
  *acc0 = a0;
  *acc1 = a1;
}

static inline int32_t tml_dot1_s8_q15(const int8_t *w, const int16_t *col, int32_t n, int32_t acc) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t f = tml_read_u32(w + i);
    acc = tml_smlad(tml_sxtb16(f), tml_read_u32(col + i), acc);
    acc = tml_smlad(tml_sxtb16_ror8(f), tml_read_u32(col + i + 2), acc);
  }
  for (; i < n; ++i) acc += (int32_t)w[i] * col[i];
  return acc;
}

#endif /* TINYML_TML_ARMV7EM_DSP_H */
