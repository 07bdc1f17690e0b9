/*
 * RV32IM building blocks for the optimized twins (internal). RV32IM has no multiply-accumulate and no SIMD,
 * so a MAC is a load, a MUL and an ADD; what can be saved is everything around it. The dot products here work
 * on int16 columns (input offset already added, built once per output pixel by im2col) and int8 weight rows,
 * two rows by two columns at a time (each loaded value feeds two MACs) and unrolled by four along the
 * reduction so the loop overhead is paid once per 16 MACs.
 */
#ifndef TINYML_TML_RV32IM_GEMM_H
#define TINYML_TML_RV32IM_GEMM_H

#include <stdint.h>

/* acc[0] += w0 . c0, acc[1] += w0 . c1, acc[2] += w1 . c0, acc[3] += w1 . c1 over n elements. */
static inline void tml_rv32_dot2x2(const int8_t *w0, const int8_t *w1, const int16_t *c0, const int16_t *c1,
                                   int32_t n, int32_t acc[4]) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3], i = 0;
  for (; i + 4 <= n; i += 4) {
    int32_t f0 = w0[i], f1 = w1[i], x0 = c0[i], x1 = c1[i];
    a00 += f0 * x0;
    a01 += f0 * x1;
    a10 += f1 * x0;
    a11 += f1 * x1;
    f0 = w0[i + 1];
    f1 = w1[i + 1];
    x0 = c0[i + 1];
    x1 = c1[i + 1];
    a00 += f0 * x0;
    a01 += f0 * x1;
    a10 += f1 * x0;
    a11 += f1 * x1;
    f0 = w0[i + 2];
    f1 = w1[i + 2];
    x0 = c0[i + 2];
    x1 = c1[i + 2];
    a00 += f0 * x0;
    a01 += f0 * x1;
    a10 += f1 * x0;
    a11 += f1 * x1;
    f0 = w0[i + 3];
    f1 = w1[i + 3];
    x0 = c0[i + 3];
    x1 = c1[i + 3];
    a00 += f0 * x0;
    a01 += f0 * x1;
    a10 += f1 * x0;
    a11 += f1 * x1;
  }
  for (; i < n; ++i) {
    const int32_t f0 = w0[i], f1 = w1[i], x0 = c0[i], x1 = c1[i];
    a00 += f0 * x0;
    a01 += f0 * x1;
    a10 += f1 * x0;
    a11 += f1 * x1;
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

/* acc0 = w0 . c, acc1 = w1 . c over n elements (each column value feeds two MACs), unrolled by four. */
static inline void tml_rv32_dot2(const int8_t *w0, const int8_t *w1, const int16_t *c, int32_t n, int32_t *acc0,
                                 int32_t *acc1) {
  int32_t a0 = 0, a1 = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    int32_t x = c[i];
    a0 += w0[i] * x;
    a1 += w1[i] * x;
    x = c[i + 1];
    a0 += w0[i + 1] * x;
    a1 += w1[i + 1] * x;
    x = c[i + 2];
    a0 += w0[i + 2] * x;
    a1 += w1[i + 2] * x;
    x = c[i + 3];
    a0 += w0[i + 3] * x;
    a1 += w1[i + 3] * x;
  }
  for (; i < n; ++i) {
    a0 += w0[i] * c[i];
    a1 += w1[i] * c[i];
  }
  *acc0 = a0;
  *acc1 = a1;
}

/* w . c over n elements, unrolled by four. */
static inline int32_t tml_rv32_dot1(const int8_t *w, const int16_t *c, int32_t n) {
  int32_t a0 = 0, a1 = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += (int32_t)w[i] * c[i];
    a1 += (int32_t)w[i + 1] * c[i + 1];
    a0 += (int32_t)w[i + 2] * c[i + 2];
    a1 += (int32_t)w[i + 3] * c[i + 3];
  }
  for (; i < n; ++i) a0 += (int32_t)w[i] * c[i];
  return a0 + a1;
}

#endif /* TINYML_TML_RV32IM_GEMM_H */
