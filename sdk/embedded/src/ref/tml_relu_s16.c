/* RELU int16 (standalone), reference: TFLM's ReluQuantized -- a requantization clamped at the output zero
 * point. */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

tml_status tml_ref_relu_s16(const tml_relu_params *params, int32_t size, const int16_t *input, int16_t *output) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    int32_t v = tml_mbqm((int32_t)input[i] - params->input_zero_point, params->multiplier, params->shift) +
                params->output_zero_point;
    v = TML_CLAMP(v, params->activation.min, params->activation.max);
    output[i] = (int16_t)v;
  }
  return TML_OK;
}
