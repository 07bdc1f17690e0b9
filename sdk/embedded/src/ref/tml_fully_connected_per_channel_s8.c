/* FULLY_CONNECTED int8 with per-channel weights, reference: reference_integer_ops::FullyConnectedPerChannel. */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

int32_t tml_ref_fully_connected_per_channel_s8_get_buffer_size(const tml_dims *filter_dims) {
  (void)filter_dims;
  return 0;
}

tml_status tml_ref_fully_connected_per_channel_s8(const tml_context *ctx, const tml_fc_params *params,
                                                  const tml_per_channel_quant_params *quant,
                                                  const tml_dims *input_dims, const int8_t *input,
                                                  const tml_dims *filter_dims, const int8_t *filter,
                                                  const int32_t *bias, const tml_dims *output_dims,
                                                  int8_t *output) {
  const int32_t batches = input_dims->n;
  const int32_t depth = filter_dims->c;
  const int32_t out_c = filter_dims->n;
  int32_t b, o, i;
  (void)ctx;
  if (input_dims->h * input_dims->w * input_dims->c != depth || output_dims->c != out_c) {
    return TML_ERROR_ARGUMENT;
  }
  for (b = 0; b < batches; ++b) {
    const int8_t *in = input + (size_t)b * depth;
    for (o = 0; o < out_c; ++o) {
      const int8_t *f = filter + (size_t)o * depth;
      int32_t acc = 0;
      int32_t out;
      for (i = 0; i < depth; ++i) {
        acc += (int32_t)f[i] * ((int32_t)in[i] + params->input_offset);
      }
      if (bias) acc += bias[o];
      out = tml_mbqm(acc, quant->multiplier[o], quant->shift[o]) + params->output_offset;
      out = TML_CLAMP(out, params->activation.min, params->activation.max);
      output[(size_t)b * out_c + o] = (int8_t)out;
    }
  }
  return TML_OK;
}
