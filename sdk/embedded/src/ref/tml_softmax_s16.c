/* SOFTMAX int16 -> int16, reference: reference_integer_ops::SoftmaxInt16. exp(x - max) comes from a 513-entry
 * table over [-10, 0] (input rescaled so that [-65535, 0] maps onto it), the sum is Q16.15, and 1 / sum comes
 * from a second table of 1 / (1 + x) over [0, 1]. Tables are interpolated linearly between entries. */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

/* TFLite generic_int16_table_lookup: 512 segments, lut[512] only serves the last slope. */
static int16_t tml_int16_table_lookup(int16_t value, const int16_t *lut) {
  const uint16_t index = (uint16_t)(256 + (value >> 7));
  const int16_t offset = (int16_t)(value & 0x7f);
  const int16_t base = lut[index];
  const int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
  const int32_t delta = ((int32_t)slope * offset + 64) >> 7;
  return (int16_t)(base + delta);
}

tml_status tml_ref_softmax_s16(const tml_softmax_s16_params *params, int32_t num_rows, int32_t row_size,
                               const int16_t *input, int16_t *output) {
  int32_t r, c;
  for (r = 0; r < num_rows; ++r) {
    const int16_t *in = input + (size_t)r * row_size;
    int16_t *out = output + (size_t)r * row_size;
    int32_t max_in_row = -32768, sum_of_exps = 0, shifted_sum, sym_shifted_sum;
    int16_t reciprocal_scale_q015;
    int headroom_plus_one, right_shift;
    for (c = 0; c < row_size; ++c) {
      if (in[c] > max_in_row) max_in_row = in[c];
    }
    /* First pass: sum of exponentials (each recomputed in the second pass instead of stored: no scratch). */
    for (c = 0; c < row_size; ++c) {
      const int32_t scaled =
          tml_mbqm((int32_t)in[c] - max_in_row, params->input_multiplier, params->input_left_shift);
      const int32_t sym = TML_CLAMP(scaled + 32767, -32768, 32767);
      sum_of_exps += tml_int16_table_lookup((int16_t)sym, params->exp_lut);
    }
    headroom_plus_one = tml_clz32((uint32_t)sum_of_exps);
    shifted_sum = (int32_t)((((int64_t)sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    sym_shifted_sum = shifted_sum + (-((1 << 15) + (1 << 16)));
    sym_shifted_sum = TML_CLAMP(sym_shifted_sum, -32768, 32767);
    reciprocal_scale_q015 = tml_int16_table_lookup((int16_t)sym_shifted_sum, params->one_over_one_plus_x_lut);
    right_shift = 31 - headroom_plus_one;
    for (c = 0; c < row_size; ++c) {
      const int32_t scaled =
          tml_mbqm((int32_t)in[c] - max_in_row, params->input_multiplier, params->input_left_shift);
      const int32_t sym = TML_CLAMP(scaled + 32767, -32768, 32767);
      const int16_t e = tml_int16_table_lookup((int16_t)sym, params->exp_lut);
      const int64_t round = (int64_t)1 << (right_shift - 1);
      int32_t result = (int32_t)(((int64_t)e * (int64_t)reciprocal_scale_q015 + round) >> right_shift);
      out[c] = (int16_t)TML_CLAMP(result, 0, 32767);
    }
  }
  return TML_OK;
}
