/* QUANTIZE float -> int8, reference: reference_ops::AffineQuantize: q = clamp(round(x / scale) + zero_point),
 * the division in float and the rounding half away from zero (TfLiteRound). */
#include <math.h>

#include "tinyml/tml_kernels.h"

tml_status tml_ref_quantize_f32_s8(const tml_affine_params *params, int32_t size, const float *input,
                                   int8_t *output) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const float v = input[i] / params->scale;
    const float r = v >= 0.0f ? floorf(v + 0.5f) : -floorf(-v + 0.5f);
    int32_t q;
    if (r >= 2147483647.0f) {
      q = 127;
    } else if (r <= -2147483648.0f) {
      q = -128;
    } else {
      q = (int32_t)r + params->zero_point;
      q = q < -128 ? -128 : (q > 127 ? 127 : q);
    }
    output[i] = (int8_t)q;
  }
  return TML_OK;
}
