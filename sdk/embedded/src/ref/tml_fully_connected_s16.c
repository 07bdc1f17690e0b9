/* FULLY_CONNECTED int16x8 (per-tensor weights), reference: reference_integer_ops::FullyConnected for
 * int16 activations (int64 accumulator and bias, zero points 0). */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

int32_t tml_ref_fully_connected_s16_get_buffer_size(const tml_dims *filter_dims) {
  (void)filter_dims;
  return 0;
}

tml_status tml_ref_fully_connected_s16(const tml_context *ctx, const tml_fc_params *params,
                                       const tml_per_tensor_quant_params *quant, const tml_dims *input_dims,
                                       const int16_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                       const int64_t *bias, const tml_dims *output_dims, int16_t *output) {
  const int32_t batches = input_dims->n;
  const int32_t depth = filter_dims->c;
  const int32_t out_c = filter_dims->n;
  int32_t b, o, i;
  (void)ctx;
  if (input_dims->h * input_dims->w * input_dims->c != depth || output_dims->c != out_c) {
    return TML_ERROR_ARGUMENT;
  }
  for (b = 0; b < batches; ++b) {
    const int16_t *in = input + (size_t)b * depth;
    for (o = 0; o < out_c; ++o) {
      const int8_t *f = filter + (size_t)o * depth;
      int64_t acc = 0;
      int32_t out;
      for (i = 0; i < depth; ++i) {
        acc += ((int32_t)f[i] + params->filter_offset) * (int32_t)in[i];
      }
      if (bias) acc += bias[o];
      out = tml_mbqm64(acc, quant->multiplier, quant->shift);
      out += params->output_offset;
      out = TML_CLAMP(out, params->activation.min, params->activation.max);
      output[(size_t)b * out_c + o] = (int16_t)out;
    }
  }
  return TML_OK;
}
