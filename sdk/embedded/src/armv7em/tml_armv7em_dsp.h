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
static inline uint32_t tml_sxtb16(uint32_t x) {
  return __sxtb16(x);
}
/* SXTB16 with its operand rotated by 8 is one instruction; ACLE has no form for it in this compiler. */
static inline uint32_t tml_sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
static inline int32_t tml_smlad(uint32_t a, uint32_t b, int32_t acc) {
  return __smlad(a, b, acc);
}
static inline int32_t tml_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return __smlabb(a, b, acc);
}
static inline int32_t tml_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return __smlatt(a, b, acc);
}
static inline uint32_t tml_sadd16(uint32_t a, uint32_t b) {
  return __sadd16(a, b);
}
static inline int64_t tml_smlald(uint32_t a, uint32_t b, int64_t acc) {
  return __smlald(a, b, acc);
}
#else
static inline uint32_t tml_sxtb16(uint32_t x) {
  const uint32_t lo = (uint32_t)(int32_t)(int8_t)(x & 0xFF) & 0xFFFFu;
  const uint32_t hi = (uint32_t)(int32_t)(int8_t)((x >> 16) & 0xFF) << 16;
  return lo | hi;
}
static inline uint32_t tml_sxtb16_ror8(uint32_t x) {
  return tml_sxtb16((x >> 8) | (x << 24));
}
static inline int32_t tml_smlad(uint32_t a, uint32_t b, int32_t acc) {
  const int32_t lo = (int32_t)(int16_t)(a & 0xFFFF) * (int32_t)(int16_t)(b & 0xFFFF);
  const int32_t hi = (int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16);
  return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
}
static inline int32_t tml_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a & 0xFFFF) * (int32_t)(int16_t)(b & 0xFFFF)));
}
static inline int32_t tml_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16)));
}
static inline uint32_t tml_sadd16(uint32_t a, uint32_t b) {
  const uint32_t lo = (a + b) & 0xFFFFu;
  const uint32_t hi = ((a >> 16) + (b >> 16)) & 0xFFFFu;
  return lo | (hi << 16);
}
static inline int64_t tml_smlald(uint32_t a, uint32_t b, int64_t acc) {
  return acc + (int64_t)((int32_t)(int16_t)(a & 0xFFFF) * (int32_t)(int16_t)(b & 0xFFFF)) +
         (int64_t)((int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16));
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
static inline void tml_dot2_s8_q15(const int8_t *w0, const int8_t *w1, const int16_t *col, int32_t n,
                                   int32_t *acc0, int32_t *acc1) {
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

/* Two weight rows times two columns: acc[r][c] += sum w_r[i] * col_c[i]; each loaded word serves two SMLADs. */
static inline void tml_dot2x2_s8_q15(const int8_t *w0, const int8_t *w1, const int16_t *c0, const int16_t *c1,
                                     int32_t n, int32_t acc[4]) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3], i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t f0 = tml_read_u32(w0 + i), f1 = tml_read_u32(w1 + i);
    const uint32_t f0e = tml_sxtb16(f0), f0o = tml_sxtb16_ror8(f0);
    const uint32_t f1e = tml_sxtb16(f1), f1o = tml_sxtb16_ror8(f1);
    const uint32_t x0e = tml_read_u32(c0 + i), x0o = tml_read_u32(c0 + i + 2);
    const uint32_t x1e = tml_read_u32(c1 + i), x1o = tml_read_u32(c1 + i + 2);
    a00 = tml_smlad(f0e, x0e, a00);
    a00 = tml_smlad(f0o, x0o, a00);
    a01 = tml_smlad(f0e, x1e, a01);
    a01 = tml_smlad(f0o, x1o, a01);
    a10 = tml_smlad(f1e, x0e, a10);
    a10 = tml_smlad(f1o, x0o, a10);
    a11 = tml_smlad(f1e, x1e, a11);
    a11 = tml_smlad(f1o, x1o, a11);
  }
  for (; i < n; ++i) {
    a00 += (int32_t)w0[i] * c0[i];
    a01 += (int32_t)w0[i] * c1[i];
    a10 += (int32_t)w1[i] * c0[i];
    a11 += (int32_t)w1[i] * c1[i];
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

/* As tml_dot2x2_s8_q15, with the two columns interleaved by groups of four (see tml_interleave_columns): one
 * pointer walks both, which leaves the compiler registers for all four accumulators and the loaded words. */
static inline void tml_dot2x2_s8_q15_interleaved(const int8_t *w0, const int8_t *w1, const int16_t *cols,
                                                 int32_t n, int32_t acc[4]) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
  const int8_t *const w0_end = w0 + (n & ~3);
  const int32_t tail = n & 3;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP && defined(__thumb2__)
  /* The same loop by hand: 18 instructions per 16 MACs (two LDRD for the columns, which the scratch buffer's
   * 4-byte alignment allows), where the compiler spills the loop bound and loads halfword pairs one by one. */
  if (w0 != w0_end) {
    const int32_t w1_offset = (int32_t)(w1 - w0);
    uint32_t x0e, x0o, x1e, x1o, fe, fo;
    __asm volatile(
        "1:\n\t"
        "ldrd %[x0e], %[x0o], [%[cols]]\n\t"
        "ldrd %[x1e], %[x1o], [%[cols], #8]\n\t"
        "ldr %[fo], [%[w0], %[w1o]]\n\t"
        "sxtb16 %[fe], %[fo]\n\t"
        "sxtb16 %[fo], %[fo], ror #8\n\t"
        "smlad %[a10], %[fe], %[x0e], %[a10]\n\t"
        "smlad %[a10], %[fo], %[x0o], %[a10]\n\t"
        "smlad %[a11], %[fe], %[x1e], %[a11]\n\t"
        "smlad %[a11], %[fo], %[x1o], %[a11]\n\t"
        "ldr %[fo], [%[w0]], #4\n\t"
        "sxtb16 %[fe], %[fo]\n\t"
        "sxtb16 %[fo], %[fo], ror #8\n\t"
        "smlad %[a00], %[fe], %[x0e], %[a00]\n\t"
        "smlad %[a00], %[fo], %[x0o], %[a00]\n\t"
        "smlad %[a01], %[fe], %[x1e], %[a01]\n\t"
        "smlad %[a01], %[fo], %[x1o], %[a01]\n\t"
        "adds %[cols], #16\n\t"
        "cmp %[w0], %[end]\n\t"
        "bne 1b\n\t"
        : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [w0] "+r"(w0), [cols] "+r"(cols),
          [x0e] "=&r"(x0e), [x0o] "=&r"(x0o), [x1e] "=&r"(x1e), [x1o] "=&r"(x1o), [fe] "=&r"(fe), [fo] "=&r"(fo)
        : [w1o] "r"(w1_offset), [end] "r"(w0_end)
        : "cc", "memory");
    w1 = w0 + w1_offset;
  }
#else
  while (w0 != w0_end) {
    const uint32_t x0e = tml_read_u32(cols), x0o = tml_read_u32(cols + 2);
    const uint32_t x1e = tml_read_u32(cols + 4), x1o = tml_read_u32(cols + 6);
    uint32_t f = tml_read_u32(w0);
    uint32_t fe = tml_sxtb16(f), fo = tml_sxtb16_ror8(f);
    a00 = tml_smlad(fe, x0e, a00);
    a00 = tml_smlad(fo, x0o, a00);
    a01 = tml_smlad(fe, x1e, a01);
    a01 = tml_smlad(fo, x1o, a01);
    f = tml_read_u32(w1);
    fe = tml_sxtb16(f);
    fo = tml_sxtb16_ror8(f);
    a10 = tml_smlad(fe, x0e, a10);
    a10 = tml_smlad(fo, x0o, a10);
    a11 = tml_smlad(fe, x1e, a11);
    a11 = tml_smlad(fo, x1o, a11);
    w0 += 4;
    w1 += 4;
    cols += 8;
  }
#endif
  if (tail) {
    int32_t i;
    for (i = 0; i < tail; ++i) {
      a00 += (int32_t)w0[i] * cols[i];
      a01 += (int32_t)w0[i] * cols[tail + i];
      a10 += (int32_t)w1[i] * cols[i];
      a11 += (int32_t)w1[i] * cols[tail + i];
    }
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

/* Two natural-order int16 columns of n -> one buffer: per group of four, column 0's x0, x2, x1, x3 then column
 * 1's; the n % 4 tail of column 0, then of column 1. */
static inline void tml_interleave_columns(const int16_t *c0, const int16_t *c1, int32_t n, int16_t *out) {
  const int32_t n4 = n & ~3;
  int32_t i;
  for (i = 0; i < n4; i += 4) {
    out[0] = c0[i];
    out[1] = c0[i + 2];
    out[2] = c0[i + 1];
    out[3] = c0[i + 3];
    out[4] = c1[i];
    out[5] = c1[i + 2];
    out[6] = c1[i + 1];
    out[7] = c1[i + 3];
    out += 8;
  }
  for (i = n4; i < n; ++i) *out++ = c0[i];
  for (i = n4; i < n; ++i) *out++ = c1[i];
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

/* int16 activations times int8 weights, 64-bit accumulation (SMLALD), two weight rows sharing the activations:
 * the activations' halfword pairs (x0, x1), (x2, x3) are repacked (PKHBT / PKHTB) to (x0, x2), (x1, x3), the order
 * SXTB16 gives the weights in. */
static inline void tml_dot2_s16_s8(const int16_t *x, const int8_t *w0, const int8_t *w1, int32_t n, int64_t *acc0,
                                   int64_t *acc1) {
  int64_t a0 = *acc0, a1 = *acc1;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t x01 = tml_read_u32(x + i), x23 = tml_read_u32(x + i + 2);
    const uint32_t x02 = (x01 & 0xFFFFu) | (x23 << 16), x13 = (x01 >> 16) | (x23 & 0xFFFF0000u);
    const uint32_t f0 = tml_read_u32(w0 + i), f1 = tml_read_u32(w1 + i);
    a0 = tml_smlald(tml_sxtb16(f0), x02, a0);
    a0 = tml_smlald(tml_sxtb16_ror8(f0), x13, a0);
    a1 = tml_smlald(tml_sxtb16(f1), x02, a1);
    a1 = tml_smlald(tml_sxtb16_ror8(f1), x13, a1);
  }
  for (; i < n; ++i) {
    a0 += (int32_t)w0[i] * x[i];
    a1 += (int32_t)w1[i] * x[i];
  }
  *acc0 = a0;
  *acc1 = a1;
}

static inline int64_t tml_dot1_s16_s8(const int16_t *x, const int8_t *w, int32_t n, int64_t acc) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t x01 = tml_read_u32(x + i), x23 = tml_read_u32(x + i + 2);
    const uint32_t f = tml_read_u32(w + i);
    acc = tml_smlald(tml_sxtb16(f), (x01 & 0xFFFFu) | (x23 << 16), acc);
    acc = tml_smlald(tml_sxtb16_ror8(f), (x01 >> 16) | (x23 & 0xFFFF0000u), acc);
  }
  for (; i < n; ++i) acc += (int32_t)w[i] * x[i];
  return acc;
}

#endif /* TINYML_TML_ARMV7EM_DSP_H */
