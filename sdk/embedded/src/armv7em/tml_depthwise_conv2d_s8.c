/*
 * DEPTHWISE_CONV_2D int8, Armv7E-M twin of src/ref/tml_depthwise_conv2d_s8.c (same results, same tests).
 * Per output pixel, the window's valid taps (inside the input) are listed once; then each output channel
 * accumulates over that list with no bounds checks. Depthwise layers have no reduction over channels, so the
 * dual MAC does not apply; this removes the reference's per-MAC index and bounds arithmetic instead.
 * Windows above 64 taps go to the reference. No scratch.
 */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

#define TML_DW_MAX_TAPS 64

int32_t tml_armv7em_depthwise_conv2d_s8_get_buffer_size(const tml_dw_conv_params *params,
                                                        const tml_dims *input_dims, const tml_dims *filter_dims,
                                                        const tml_dims *output_dims) {
  (void)params;
  (void)input_dims;
  (void)filter_dims;
  (void)output_dims;
  return 0;
}

tml_status tml_armv7em_depthwise_conv2d_s8(const tml_context *ctx, const tml_dw_conv_params *params,
                                           const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                           const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                           const int32_t *bias, const tml_dims *output_dims, int8_t *output) {
  const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w;
  const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
  const int32_t mult = params->depth_multiplier;
  int32_t in_off[TML_DW_MAX_TAPS], f_off[TML_DW_MAX_TAPS];
  int32_t b, oy, ox;
  if (k_h * k_w > TML_DW_MAX_TAPS) {
    return tml_ref_depthwise_conv2d_s8(ctx, params, quant, input_dims, input, filter_dims, filter, bias,
                                       output_dims, output);
  }
  if (mult <= 0 || out_c != in_c * mult || filter_dims->c != out_c || input_dims->n != output_dims->n) {
    return TML_ERROR_ARGUMENT;
  }
  for (b = 0; b < output_dims->n; ++b) {
    const int8_t *in_b = input + (size_t)b * in_h * in_w * in_c;
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y0 = oy * params->stride.h - params->padding.h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x0 = ox * params->stride.w - params->padding.w;
        int8_t *out = output + (((size_t)b * out_h + oy) * out_w + ox) * out_c;
        int32_t taps = 0, ky, kx, ic, m, t;
        for (ky = 0; ky < k_h; ++ky) {
          const int32_t in_y = in_y0 + ky * params->dilation.h;
          if (in_y < 0 || in_y >= in_h) continue;
          for (kx = 0; kx < k_w; ++kx) {
            const int32_t in_x = in_x0 + kx * params->dilation.w;
            if (in_x < 0 || in_x >= in_w) continue;
            in_off[taps] = (in_y * in_w + in_x) * in_c;
            f_off[taps] = (ky * k_w + kx) * out_c;
            ++taps;
          }
        }
        for (ic = 0; ic < in_c; ++ic) {
          for (m = 0; m < mult; ++m) {
            const int32_t oc = ic * mult + m;
            int32_t acc = 0, sum_f = 0;
            for (t = 0; t < taps; ++t) {
              const int32_t f = filter[f_off[t] + oc];
              acc += f * in_b[in_off[t] + ic];
              sum_f += f;
            }
            acc += sum_f * params->input_offset;
            if (bias) acc += bias[oc];
            acc = tml_mbqm(acc, quant->multiplier[oc], quant->shift[oc]) + params->output_offset;
            out[oc] = (int8_t)TML_CLAMP(acc, params->activation.min, params->activation.max);
          }
        }
      }
    }
  }
  return TML_OK;
}
