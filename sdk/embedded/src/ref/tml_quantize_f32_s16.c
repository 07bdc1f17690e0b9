/* QUANTIZE float -> int16, reference: reference_ops::AffineQuantize: q = clamp(round(x / scale) + zero_point),
 * the division in float and the rounding half away from zero (TfLiteRound). */
#include <math.h>

#include "tinyml/tml_kernels.h"

tml_status tml_ref_quantize_f32_s16(const tml_affine_params *params, int32_t size, const float *input,
                                    int16_t *output) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const float v = input[i] / params->scale;
    const float r = v >= 0.0f ? floorf(v + 0.5f) : -floorf(-v + 0.5f);
    int32_t q;
    if (r >= 2147483647.0f) {
      q = 32767;
    } else if (r <= -2147483648.0f) {
      q = -32768;
    } else {
      q = (int32_t)r + params->zero_point;
      q = q < -32768 ? -32768 : (q > 32767 ? 32767 : q);
    }
    output[i] = (int16_t)q;
  }
  return TML_OK;
}
