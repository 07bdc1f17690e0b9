/* SOFTMAX int8 -> int8, reference: reference_ops::Softmax<int8_t, int8_t> (gemmlowp fixed point). */
#include "tinyml/tml_kernels.h"
#include "../common/tml_softmax_row.h"

tml_status tml_ref_softmax_s8(const tml_softmax_params *params, int32_t num_rows, int32_t row_size,
                              const int8_t *input, int8_t *output) {
  int32_t r, c;
  for (r = 0; r < num_rows; ++r) {
    const int8_t *in = input + (size_t)r * row_size;
    int8_t *out = output + (size_t)r * row_size;
    tml_softmax_row_state state;
    tml_softmax_row_prepare_s8(params, row_size, in, &state);
    for (c = 0; c < row_size; ++c) out[c] = (int8_t)tml_softmax_value_s8(params, &state, in[c], 8, -128, 127);
  }
  return TML_OK;
}
