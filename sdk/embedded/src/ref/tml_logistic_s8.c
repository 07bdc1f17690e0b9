/* LOGISTIC int8, reference: reference_integer_ops::Logistic. Inputs beyond +/- input_range_radius saturate;
 * the rest are rescaled to Q4.27, go through gemmlowp's fixed-point logistic, and come out with scale 1/256,
 * zero point -128. */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

tml_status tml_ref_logistic_s8(const tml_sigmoid_params *params, int32_t size, const int8_t *input,
                               int8_t *output) {
  int32_t i;
  for (i = 0; i < size; ++i) {
    const int32_t x = (int32_t)input[i] - params->input_zero_point;
    if (x <= -params->input_range_radius) {
      output[i] = -128;
    } else if (x >= params->input_range_radius) {
      output[i] = 127;
    } else {
      const int32_t in_q4 = tml_mbqm(x, params->input_multiplier, params->input_left_shift);
      const int32_t out_q0 = tml_logistic_fixed(in_q4, 4);
      int32_t out = tml_rdbpot(out_q0, 31 - 8) - 128;
      output[i] = (int8_t)TML_CLAMP(out, -128, 127);
    }
  }
  return TML_OK;
}
