/*
 * FULLY_CONNECTED int16x8, Armv7E-M twin of src/ref/tml_fully_connected_s16.c (same results, same tests).
 * No scratch: two output rows at a time, 64-bit dual MACs (SMLALD) on the int16 input as it is. A non-zero
 * filter offset (not produced by TFLite's quantizer) goes to the reference.
 */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"
#include "tml_armv7em_dsp.h"

int32_t tml_armv7em_fully_connected_s16_get_buffer_size(const tml_dims *filter_dims) {
  (void)filter_dims;
  return 0;
}

static int16_t output_s16(int64_t acc, const int64_t *bias, int32_t o, const tml_per_tensor_quant_params *quant,
                          const tml_fc_params *params) {
  int32_t v;
  if (bias) acc += bias[o];
  v = tml_mbqm64(acc, quant->multiplier, quant->shift) + params->output_offset;
  return (int16_t)TML_CLAMP(v, params->activation.min, params->activation.max);
}

tml_status tml_armv7em_fully_connected_s16(const tml_context *ctx, const tml_fc_params *params,
                                           const tml_per_tensor_quant_params *quant, const tml_dims *input_dims,
                                           const int16_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                           const int64_t *bias, const tml_dims *output_dims, int16_t *output) {
  const int32_t depth = filter_dims->c, out_c = filter_dims->n;
  int32_t b, o;
  if (params->filter_offset != 0) {
    return tml_ref_fully_connected_s16(ctx, params, quant, input_dims, input, filter_dims, filter, bias,
                                       output_dims, output);
  }
  if (input_dims->h * input_dims->w * input_dims->c != depth || output_dims->c != out_c) return TML_ERROR_ARGUMENT;
  for (b = 0; b < input_dims->n; ++b) {
    const int16_t *in = input + (size_t)b * depth;
    int16_t *out = output + (size_t)b * out_c;
    for (o = 0; o + 2 <= out_c; o += 2) {
      int64_t acc0 = 0, acc1 = 0;
      tml_dot2_s16_s8(in, filter + (size_t)o * depth, filter + (size_t)(o + 1) * depth, depth, &acc0, &acc1);
      out[o] = output_s16(acc0, bias, o, quant, params);
      out[o + 1] = output_s16(acc1, bias, o + 1, quant, params);
    }
    if (o < out_c)
      out[o] = output_s16(tml_dot1_s16_s8(in, filter + (size_t)o * depth, depth, 0), bias, o, quant, params);
  }
  return TML_OK;
}
