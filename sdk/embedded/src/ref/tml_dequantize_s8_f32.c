/* DEQUANTIZE int8 -> float, reference: reference_ops::Dequantize: x = scale * (q - zero_point). The product
 * of a float scale and a 17-bit integer is exact in double, so float arithmetic rounds it identically. */
#include "tinyml/tml_kernels.h"

tml_status tml_ref_dequantize_s8_f32(const tml_affine_params *params, int32_t size, const int8_t *input,
                                     float *output) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    output[i] = params->scale * (float)((int32_t)input[i] - params->zero_point);
  }
  return TML_OK;
}
