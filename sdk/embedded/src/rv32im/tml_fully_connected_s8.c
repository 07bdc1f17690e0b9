/*
 * FULLY_CONNECTED int8, RV32IM twin of src/ref/tml_fully_connected_s8.c (same results, same tests).
 * Each batch row of the input becomes an int16 column with the input offset added (scratch: accum_depth
 * int16); output rows are dot products two at a time, unrolled by four. A non-zero filter offset (not produced
 * by TFLite's int8 quantizer) goes to the reference.
 */
#include "tinyml/tml_kernels.h"
#include "../common/tml_output_stage.h"
#include "tml_rv32im_gemm.h"

int32_t tml_rv32im_fully_connected_s8_get_buffer_size(const tml_dims *filter_dims) {
  return filter_dims->c * (int32_t)sizeof(int16_t);
}

static int8_t fc_output(int32_t acc, const tml_channel_requant *requant, int32_t offset, int32_t act_min,
                        int32_t act_max) {
  int32_t v = tml_apply_requant(requant, acc) + offset;
  v = v < act_min ? act_min : v;
  return (int8_t)(v > act_max ? act_max : v);
}

tml_status tml_rv32im_fully_connected_s8(const tml_context *ctx, const tml_fc_params *params,
                                         const tml_per_tensor_quant_params *quant, const tml_dims *input_dims,
                                         const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                         const int32_t *bias, const tml_dims *output_dims, int8_t *output) {
  const int32_t depth = filter_dims->c, out_c = filter_dims->n;
  const int32_t out_off = params->output_offset, act_min = params->activation.min,
                act_max = params->activation.max;
  int16_t *col = (int16_t *)(ctx ? ctx->buf : NULL);
  tml_channel_requant requant;
  int32_t b, o, i;
  if (params->filter_offset != 0) {
    return tml_ref_fully_connected_s8(ctx, params, quant, input_dims, input, filter_dims, filter, bias,
                                      output_dims, output);
  }
  if (input_dims->h * input_dims->w * input_dims->c != depth || output_dims->c != out_c) return TML_ERROR_ARGUMENT;
  if (col == NULL || ctx->size < depth * (int32_t)sizeof(int16_t)) return TML_ERROR_BUFFER;
  tml_prepare_requant(&requant, quant->multiplier, quant->shift);
  for (b = 0; b < input_dims->n; ++b) {
    const int8_t *in = input + (size_t)b * depth;
    int8_t *out = output + (size_t)b * out_c;
    for (i = 0; i < depth; ++i) col[i] = (int16_t)(in[i] + params->input_offset);
    for (o = 0; o + 2 <= out_c; o += 2) {
      int32_t acc0, acc1;
      tml_rv32_dot2(filter + (size_t)o * depth, filter + (size_t)(o + 1) * depth, col, depth, &acc0, &acc1);
      out[o] = fc_output(acc0 + (bias ? bias[o] : 0), &requant, out_off, act_min, act_max);
      out[o + 1] = fc_output(acc1 + (bias ? bias[o + 1] : 0), &requant, out_off, act_min, act_max);
    }
    if (o < out_c) {
      out[o] = fc_output(tml_rv32_dot1(filter + (size_t)o * depth, col, depth) + (bias ? bias[o] : 0), &requant,
                         out_off, act_min, act_max);
    }
  }
  return TML_OK;
}
