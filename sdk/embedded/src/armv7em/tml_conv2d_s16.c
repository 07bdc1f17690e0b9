/*
 * CONV_2D int16x8, Armv7E-M twin of src/ref/tml_conv2d_s16.c (same results, same tests).
 * No scratch: int16 activations are already what SMLALD multiplies, so each output pixel lists its valid taps
 * and every pair of output channels runs 64-bit dual MACs over each tap's input channels (tml_dot2_s16_s8),
 * exact like the reference's int64 accumulator.
 */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"
#include "tml_armv7em_dsp.h"

#define TML_CONV16_MAX_TAPS 64

int32_t tml_armv7em_conv2d_s16_get_buffer_size(const tml_conv_params *params, const tml_dims *input_dims,
                                               const tml_dims *filter_dims, const tml_dims *output_dims) {
  (void)params;
  (void)input_dims;
  (void)filter_dims;
  (void)output_dims;
  return 0;
}

static int16_t output_s16(int64_t acc, const int64_t *bias, int32_t oc, const tml_per_channel_quant_params *quant,
                          int32_t offset, int32_t act_min, int32_t act_max) {
  int32_t v;
  if (bias) acc += bias[oc];
  v = tml_mbqm64(acc, quant->multiplier[oc], quant->shift[oc]) + offset;
  return (int16_t)TML_CLAMP(v, act_min, act_max);
}

tml_status tml_armv7em_conv2d_s16(const tml_context *ctx, const tml_conv_params *params,
                                  const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                  const int16_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                  const int64_t *bias, const tml_dims *output_dims, int16_t *output) {
  const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w, k_c = filter_dims->c;
  const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
  const int32_t k = k_h * k_w * k_c;
  const int32_t out_off = params->output_offset, act_min = params->activation.min,
                act_max = params->activation.max;
  const int16_t *in_tap[TML_CONV16_MAX_TAPS];
  int32_t f_tap[TML_CONV16_MAX_TAPS];
  int32_t groups, per_group, b, oy, ox;
  if (k_c <= 0 || in_c % k_c != 0 || filter_dims->n != out_c || input_dims->n != output_dims->n) {
    return TML_ERROR_ARGUMENT;
  }
  if (k_h * k_w > TML_CONV16_MAX_TAPS) {
    return tml_ref_conv2d_s16(ctx, params, quant, input_dims, input, filter_dims, filter, bias, output_dims,
                              output);
  }
  groups = in_c / k_c;
  if (out_c % groups != 0) return TML_ERROR_ARGUMENT;
  per_group = out_c / groups;
  for (b = 0; b < output_dims->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y0 = oy * params->stride.h - params->padding.h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x0 = ox * params->stride.w - params->padding.w;
        int16_t *out = output + (((size_t)b * out_h + oy) * out_w + ox) * out_c;
        int32_t taps = 0, ky, kx, oc, t;
        for (ky = 0; ky < k_h; ++ky) {
          const int32_t in_y = in_y0 + ky * params->dilation.h;
          if (in_y < 0 || in_y >= in_h) continue;
          for (kx = 0; kx < k_w; ++kx) {
            const int32_t in_x = in_x0 + kx * params->dilation.w;
            if (in_x < 0 || in_x >= in_w) continue;
            in_tap[taps] = input + (((size_t)b * in_h + in_y) * in_w + in_x) * in_c;
            f_tap[taps] = (ky * k_w + kx) * k_c;
            ++taps;
          }
        }
        oc = 0;
        while (oc < out_c) {
          const int32_t ic0 = (oc / per_group) * k_c;
          const int8_t *f0 = filter + (size_t)oc * k;
          int64_t acc0 = 0, acc1 = 0;
          if (oc + 1 < out_c && (oc + 1) / per_group == oc / per_group) {
            for (t = 0; t < taps; ++t) {
              tml_dot2_s16_s8(in_tap[t] + ic0, f0 + f_tap[t], f0 + k + f_tap[t], k_c, &acc0, &acc1);
            }
            out[oc] = output_s16(acc0, bias, oc, quant, out_off, act_min, act_max);
            out[oc + 1] = output_s16(acc1, bias, oc + 1, quant, out_off, act_min, act_max);
            oc += 2;
          } else { /* the last channel, or a pair split across groups */
            for (t = 0; t < taps; ++t) acc0 = tml_dot1_s16_s8(in_tap[t] + ic0, f0 + f_tap[t], k_c, acc0);
            out[oc] = output_s16(acc0, bias, oc, quant, out_off, act_min, act_max);
            oc += 1;
          }
        }
      }
    }
  }
  return TML_OK;
}
