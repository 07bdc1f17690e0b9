/* TANH int16, reference: reference_integer_ops::Tanh for int16: tanh(x) = 2 * sigmoid(2x) - 1 on the same
 * sigmoid table as LOGISTIC (8 fractional bits of interpolation, hence the doubled argument), Q0.15 out. */
#include <stdlib.h>

#include "tinyml/tml_kernels.h"
#include "../common/tml_sigmoid_table.h"

tml_status tml_ref_tanh_s16(const tml_sigmoid_s16_params *params, int32_t size, const int16_t *input,
                            int16_t *output) {
  int32_t multiplier = params->input_multiplier, left_shift = params->input_left_shift, round, i;
  if (multiplier == 0) { /* power-of-two input scale */
    multiplier = 3 << left_shift;
    left_shift = 0;
  }
  round = left_shift > 0 ? 1 << (left_shift - 1) : 0;
  for (i = 0; i < size; ++i) {
    const int32_t x = (input[i] * multiplier + round) >> left_shift;
    const uint32_t magnitude = (uint32_t)abs(x);
    const uint32_t index = magnitude >> 8;
    int32_t result;
    if (index >= 255) {
      result = 0xFFFF << 8;
    } else {
      const uint32_t a = tml_sigmoid_table_u16[index], b = tml_sigmoid_table_u16[index + 1];
      result = (int32_t)((a << 8) + (magnitude & 0xFF) * (b - a));
    }
    result = x >= 0 ? result - (1 << (14 + 9)) + (1 << (9 - 2)) : -result + (1 << (14 + 9)) + (1 << (9 - 2)) - 1;
    output[i] = (int16_t)(result >> (9 - 1));
  }
  return TML_OK;
}
