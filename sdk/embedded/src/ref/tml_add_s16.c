/* ADD int16, reference: reference_integer_ops::Add / BroadcastAdd4DSlow. Both inputs are brought to a common
 * scale (2 * the larger input scale) with left_shift bits of headroom, summed, and rescaled to the output. */
#include "tinyml/tml_kernels.h"
#include "../common/tml_broadcast.h"
#include "../common/tml_fixed_point.h"

tml_status tml_ref_add_s16(const tml_add_params *params, const tml_dims *input1_dims, const int16_t *input1,
                           const tml_dims *input2_dims, const int16_t *input2, const tml_dims *output_dims,
                           int16_t *output) {
  tml_broadcast_strides s1, s2;
  int32_t b, y, x, c;
  size_t o = 0;
  if (!tml_broadcast_strides_of(input1_dims, output_dims, &s1) ||
      !tml_broadcast_strides_of(input2_dims, output_dims, &s2)) {
    return TML_ERROR_ARGUMENT;
  }
  for (b = 0; b < output_dims->n; ++b) {
    for (y = 0; y < output_dims->h; ++y) {
      for (x = 0; x < output_dims->w; ++x) {
        for (c = 0; c < output_dims->c; ++c) {
          const int32_t v1 = input1[b * s1.n + y * s1.h + x * s1.w + c * s1.c] + params->input1_offset;
          const int32_t v2 = input2[b * s2.n + y * s2.h + x * s2.w + c * s2.c] + params->input2_offset;
          const int32_t scaled1 =
              tml_mbqm_lt_one(v1 * (1 << params->left_shift), params->input1_multiplier, params->input1_shift);
          const int32_t scaled2 =
              tml_mbqm_lt_one(v2 * (1 << params->left_shift), params->input2_multiplier, params->input2_shift);
          int32_t out = tml_mbqm_lt_one(scaled1 + scaled2, params->output_multiplier, params->output_shift) +
                        params->output_offset;
          out = TML_CLAMP(out, params->activation.min, params->activation.max);
          output[o++] = (int16_t)out;
        }
      }
    }
  }
  return TML_OK;
}
