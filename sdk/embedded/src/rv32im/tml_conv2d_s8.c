/*
 * CONV_2D int8, RV32IM twin of src/ref/tml_conv2d_s8.c (same results, same tests).
 * im2col + GEMM: two output pixels' receptive fields as int16 columns (input offset added), then two output
 * channels by two pixels per dot-product pass (tml_rv32im_gemm.h); accumulators go to two int32 rows that one
 * tight loop requantizes (../common/tml_output_stage.h). Scratch (4-byte aligned): Cout tml_channel_requant,
 * 2 * Cout int32, 2 * KH * KW * (Cin / groups) int16.
 */
#include "tinyml/tml_kernels.h"
#include "../common/tml_im2col.h"
#include "../common/tml_output_stage.h"
#include "tml_rv32im_gemm.h"

int32_t tml_rv32im_conv2d_s8_get_buffer_size(const tml_conv_params *params, const tml_dims *input_dims,
                                             const tml_dims *filter_dims, const tml_dims *output_dims) {
  (void)params;
  (void)input_dims;
  return output_dims->c * (int32_t)(sizeof(tml_channel_requant) + 2 * sizeof(int32_t)) +
         2 * filter_dims->h * filter_dims->w * filter_dims->c * (int32_t)sizeof(int16_t);
}

tml_status tml_rv32im_conv2d_s8(const tml_context *ctx, const tml_conv_params *params,
                                const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                const int32_t *bias, const tml_dims *output_dims, int8_t *output) {
  const int32_t in_c = input_dims->c, k_c = filter_dims->c;
  const int32_t out_w = output_dims->w, out_c = output_dims->c;
  const int32_t pixels = output_dims->h * out_w;
  const int32_t k = filter_dims->h * filter_dims->w * k_c;
  const int32_t out_off = params->output_offset, act_min = params->activation.min,
                act_max = params->activation.max;
  tml_channel_requant *channels = (tml_channel_requant *)(ctx ? ctx->buf : NULL);
  int32_t *row0 = (int32_t *)(channels + out_c);
  int32_t *row1 = row0 + out_c;
  int16_t *col0 = (int16_t *)(row1 + out_c);
  int16_t *col1 = col0 + k;
  int32_t groups, per_group, b, p, g, oc;
  if (k_c <= 0 || in_c % k_c != 0 || filter_dims->n != out_c || input_dims->n != output_dims->n) {
    return TML_ERROR_ARGUMENT;
  }
  if (channels == NULL ||
      ctx->size < tml_rv32im_conv2d_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
    return TML_ERROR_BUFFER;
  }
  groups = in_c / k_c;
  if (out_c % groups != 0) return TML_ERROR_ARGUMENT;
  per_group = out_c / groups;
  for (oc = 0; oc < out_c; ++oc) tml_prepare_requant(&channels[oc], quant->multiplier[oc], quant->shift[oc]);
  for (b = 0; b < output_dims->n; ++b) {
    for (p = 0; p < pixels; p += 2) {
      const int two = p + 1 < pixels;
      int8_t *out0 = output + ((size_t)b * pixels + p) * out_c;
      for (g = 0; g < groups; ++g) {
        const int32_t oc_end = (g + 1) * per_group;
        tml_im2col_s8(params, input_dims, input, filter_dims, b, p / out_w, p % out_w, g, col0);
        if (two)
          tml_im2col_s8(params, input_dims, input, filter_dims, b, (p + 1) / out_w, (p + 1) % out_w, g, col1);
        for (oc = g * per_group; oc + 2 <= oc_end; oc += 2) {
          int32_t acc[4] = {0, 0, 0, 0};
          /* The single-pixel tail reuses column 0 as its second column and drops those sums. */
          tml_rv32_dot2x2(filter + (size_t)oc * k, filter + (size_t)(oc + 1) * k, col0, two ? col1 : col0, k, acc);
          row0[oc] = acc[0];
          row1[oc] = acc[1];
          row0[oc + 1] = acc[2];
          row1[oc + 1] = acc[3];
        }
        if (oc < oc_end) {
          row0[oc] = tml_rv32_dot1(filter + (size_t)oc * k, col0, k);
          if (two) row1[oc] = tml_rv32_dot1(filter + (size_t)oc * k, col1, k);
        }
      }
      tml_output_row(row0, bias, channels, out_c, out_off, act_min, act_max, out0);
      if (two) tml_output_row(row1, bias, channels, out_c, out_off, act_min, act_max, out0 + out_c);
    }
  }
  return TML_OK;
}
