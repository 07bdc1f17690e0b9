/*
 * im2col for the optimized convolutions (internal): the receptive field of one output pixel, for one group,
 * as an int16 column in (ky, kx, ic) order -- the order of an OHWI filter row -- with the input offset
 * added. Cells outside the input become 0, which is what the reference's skipped taps contribute.
 */
#ifndef TINYML_TML_IM2COL_H
#define TINYML_TML_IM2COL_H

#include <stddef.h>
#include <stdint.h>

#include "tinyml/tml_types.h"

static inline void tml_im2col_s8(const tml_conv_params *params, const tml_dims *input_dims, const int8_t *input,
                                 const tml_dims *filter_dims, int32_t b, int32_t oy, int32_t ox, int32_t g,
                                 int16_t *col) {
  const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w, k_c = filter_dims->c;
  const int32_t in_y0 = oy * params->stride.h - params->padding.h;
  const int32_t in_x0 = ox * params->stride.w - params->padding.w;
  const int32_t offset = params->input_offset;
  int16_t *dst = col;
  int32_t ky, kx, i;
  for (ky = 0; ky < k_h; ++ky) {
    const int32_t in_y = in_y0 + ky * params->dilation.h;
    for (kx = 0; kx < k_w; ++kx) {
      const int32_t in_x = in_x0 + kx * params->dilation.w;
      if (in_y < 0 || in_y >= in_h || in_x < 0 || in_x >= in_w) {
        for (i = 0; i < k_c; ++i) dst[i] = 0;
      } else {
        const int8_t *src = input + (((size_t)b * in_h + in_y) * in_w + in_x) * in_c + g * k_c;
        for (i = 0; i < k_c; ++i) dst[i] = (int16_t)(src[i] + offset);
      }
      dst += k_c;
    }
  }
}

#endif /* TINYML_TML_IM2COL_H */
