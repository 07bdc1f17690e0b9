/* LOGISTIC int16, reference: reference_integer_ops::Logistic for int16. The input is rescaled so that 2^17
 * spans [-10.7, 10.7] (a power-of-two input scale by a shift, otherwise input_multiplier / 2^input_left_shift),
 * |x| indexes a 256-entry sigmoid table with 9 fractional bits of linear interpolation, negative inputs use
 * 1 - sigmoid(|x|), and the result is Q0.15. */
#include <stdlib.h>

#include "tinyml/tml_kernels.h"
#include "../common/tml_sigmoid_table.h"

tml_status tml_ref_logistic_s16(const tml_sigmoid_s16_params *params, int32_t size, const int16_t *input,
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
    const uint32_t index = magnitude >> 9;
    uint32_t result;
    if (index >= 255) {
      result = 0x7FFFu << 10;
    } else {
      const uint32_t a = tml_sigmoid_table_u16[index], b = tml_sigmoid_table_u16[index + 1];
      result = (a << 9) + (magnitude & 0x1FF) * (b - a);
    }
    result = x >= 0 ? result + (1u << 9) : (1u << (16 + 9)) - result + (1u << 9) - 1;
    output[i] = (int16_t)(result >> 10);
  }
  return TML_OK;
}
