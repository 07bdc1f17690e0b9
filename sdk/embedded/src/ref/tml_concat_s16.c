/* CONCATENATION int16, reference: reference_ops::Concatenation (inputs share the output's quantization, so
 * it is a copy of each input's slab in turn for every outer index). */
#include <string.h>

#include "tinyml/tml_kernels.h"

tml_status tml_ref_concat_s16(int32_t num_inputs, const int16_t *const *inputs, const int32_t *axis_sizes,
                              int32_t outer_size, int32_t inner_size, int16_t *output) {
  int32_t k, i;
  int16_t *out = output;
  for (k = 0; k < outer_size; ++k) {
    for (i = 0; i < num_inputs; ++i) {
      const size_t block = (size_t)axis_sizes[i] * (size_t)inner_size;
      memcpy(out, inputs[i] + (size_t)k * block, block * sizeof(int16_t));
      out += block;
    }
  }
  return TML_OK;
}
