/*
 * DEPTHWISE_CONV_2D int8, RV32IM twin of src/ref/tml_depthwise_conv2d_s8.c (same results, same tests).
 * Per output pixel the window's valid taps are listed once (no bounds checks in the MAC loops) and the pixel's
 * accumulators go to an int32 row that one tight loop requantizes (../common/tml_output_stage.h). The input
 * offset is not added per tap: the MACs run on raw int8 values and input_offset times the sum of the weights
 * used joins at the end -- precomputed per channel for windows wholly inside the input, where a 3 x 3 window
 * is also unrolled. Scratch (4-byte aligned): 3 * Cout int32 and Cout tml_channel_requant.
 */
#include "tinyml/tml_kernels.h"
#include "../common/tml_output_stage.h"

#define TML_DW_MAX_TAPS 64

int32_t tml_rv32im_depthwise_conv2d_s8_get_buffer_size(const tml_dw_conv_params *params,
                                                       const tml_dims *input_dims, const tml_dims *filter_dims,
                                                       const tml_dims *output_dims) {
  (void)params;
  (void)input_dims;
  (void)filter_dims;
  return output_dims->c * (int32_t)(3 * sizeof(int32_t) + sizeof(tml_channel_requant));
}

tml_status tml_rv32im_depthwise_conv2d_s8(const tml_context *ctx, const tml_dw_conv_params *params,
                                          const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                          const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                          const int32_t *bias, const tml_dims *output_dims, int8_t *output) {
  const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w, taps_all = k_h * k_w;
  const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
  const int32_t mult = params->depth_multiplier, input_offset = params->input_offset;
  const int32_t out_off = params->output_offset, act_min = params->activation.min,
                act_max = params->activation.max;
  const int32_t col_step = params->dilation.w * in_c, row_step = params->dilation.h * in_w * in_c;
  int32_t *acc = (int32_t *)(ctx ? ctx->buf : NULL);
  int32_t *inside_add = acc + out_c, *edge_add = inside_add + out_c;
  tml_channel_requant *channels = (tml_channel_requant *)(edge_add + out_c);
  const int8_t *in_tap[TML_DW_MAX_TAPS];
  const int8_t *f_tap[TML_DW_MAX_TAPS];
  int32_t b, oy, ox, oc, t;
  if (taps_all > TML_DW_MAX_TAPS) {
    return tml_ref_depthwise_conv2d_s8(ctx, params, quant, input_dims, input, filter_dims, filter, bias,
                                       output_dims, output);
  }
  if (mult <= 0 || out_c != in_c * mult || filter_dims->c != out_c || input_dims->n != output_dims->n) {
    return TML_ERROR_ARGUMENT;
  }
  if (acc == NULL ||
      ctx->size < tml_rv32im_depthwise_conv2d_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
    return TML_ERROR_BUFFER;
  }
  for (oc = 0; oc < out_c; ++oc) {
    int32_t sum = 0;
    tml_prepare_requant(&channels[oc], quant->multiplier[oc], quant->shift[oc]);
    for (t = 0; t < taps_all; ++t) sum += filter[(size_t)t * out_c + oc];
    edge_add[oc] = bias ? bias[oc] : 0;
    inside_add[oc] = edge_add[oc] + sum * input_offset;
  }
  for (b = 0; b < output_dims->n; ++b) {
    const int8_t *in_b = input + (size_t)b * in_h * in_w * in_c;
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y0 = oy * params->stride.h - params->padding.h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x0 = ox * params->stride.w - params->padding.w;
        int8_t *out = output + (((size_t)b * out_h + oy) * out_w + ox) * out_c;
        int32_t taps = 0, ky, kx, ic, m;
        const int inside = in_y0 >= 0 && in_y0 + (k_h - 1) * params->dilation.h < in_h && in_x0 >= 0 &&
                           in_x0 + (k_w - 1) * params->dilation.w < in_w;
        if (mult == 1 && inside && k_h == 3 && k_w == 3) { /* the common case: no tap list needed */
          const int8_t *x0 = in_b + ((size_t)in_y0 * in_w + in_x0) * in_c, *x1 = x0 + row_step,
                       *x2 = x1 + row_step;
          const int8_t *f0 = filter, *f1 = f0 + 3 * out_c, *f2 = f1 + 3 * out_c;
          const int32_t c2 = 2 * col_step, o1 = out_c, o2 = 2 * out_c;
          for (ic = 0; ic < in_c; ++ic) {
            acc[ic] = f0[ic] * x0[ic] + f0[ic + o1] * x0[ic + col_step] + f0[ic + o2] * x0[ic + c2] +
                      f1[ic] * x1[ic] + f1[ic + o1] * x1[ic + col_step] + f1[ic + o2] * x1[ic + c2] +
                      f2[ic] * x2[ic] + f2[ic + o1] * x2[ic + col_step] + f2[ic + o2] * x2[ic + c2];
          }
          tml_output_row(acc, inside_add, channels, out_c, out_off, act_min, act_max, out);
          continue;
        }
        for (ky = 0; ky < k_h; ++ky) {
          const int32_t in_y = in_y0 + ky * params->dilation.h;
          if (in_y < 0 || in_y >= in_h) continue;
          for (kx = 0; kx < k_w; ++kx) {
            const int32_t in_x = in_x0 + kx * params->dilation.w;
            if (in_x < 0 || in_x >= in_w) continue;
            in_tap[taps] = in_b + ((size_t)in_y * in_w + in_x) * in_c;
            f_tap[taps] = filter + ((size_t)ky * k_w + kx) * out_c;
            ++taps;
          }
        }
        for (ic = 0; ic < in_c; ++ic) {
          for (m = 0; m < mult; ++m) {
            int32_t sum = 0, sum_f = 0;
            oc = ic * mult + m;
            for (t = 0; t < taps; ++t) {
              const int32_t f = f_tap[t][oc];
              sum += f * in_tap[t][ic];
              sum_f += f;
            }
            acc[oc] = sum + sum_f * input_offset;
          }
        }
        tml_output_row(acc, edge_add, channels, out_c, out_off, act_min, act_max, out);
      }
    }
  }
  return TML_OK;
}
