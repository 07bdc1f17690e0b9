/* QUANTIZE int8 -> int8 (requantize), reference: reference_ops::Requantize:
 * out = clamp(MultiplyByQuantizedMultiplier(in - input_zero_point, multiplier, shift) + output_zero_point). */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

tml_status tml_ref_requantize_s8_s8(const tml_requantize_params *params, int32_t size, const int8_t *input,
                                    int8_t *output) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t out = tml_mbqm((int32_t)input[i] - params->input_zero_point, params->multiplier, params->shift) +
                        params->output_zero_point;
    output[i] = (int8_t)TML_CLAMP(out, -128, 127);
  }
  return TML_OK;
}
