/* DEPTHWISE_CONV_2D int16x8, reference: reference_integer_ops::DepthwiseConvPerChannel (int16 activations,
 * int8 weights, int64 accumulator and bias). Output channel
 * oc = ic * depth_multiplier + m reads input channel ic and filter column oc of the [1, KH, KW, Cout] filter. */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

int32_t tml_ref_depthwise_conv2d_s16_get_buffer_size(const tml_dw_conv_params *params, const tml_dims *input_dims,
                                                     const tml_dims *filter_dims, const tml_dims *output_dims) {
  (void)params;
  (void)input_dims;
  (void)filter_dims;
  (void)output_dims;
  return 0;
}

tml_status tml_ref_depthwise_conv2d_s16(const tml_context *ctx, const tml_dw_conv_params *params,
                                        const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                        const int16_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                        const int64_t *bias, const tml_dims *output_dims, int16_t *output) {
  const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w;
  const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
  const int32_t mult = params->depth_multiplier;
  int32_t b, oy, ox, ic, m;
  (void)ctx;
  if (mult <= 0 || out_c != in_c * mult || filter_dims->c != out_c || input_dims->n != output_dims->n) {
    return TML_ERROR_ARGUMENT;
  }
  for (b = 0; b < output_dims->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y0 = oy * params->stride.h - params->padding.h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x0 = ox * params->stride.w - params->padding.w;
        for (ic = 0; ic < in_c; ++ic) {
          for (m = 0; m < mult; ++m) {
            const int32_t oc = ic * mult + m;
            int64_t acc = 0;
            int32_t ky, kx, out;
            for (ky = 0; ky < k_h; ++ky) {
              const int32_t in_y = in_y0 + ky * params->dilation.h;
              if (in_y < 0 || in_y >= in_h) continue;
              for (kx = 0; kx < k_w; ++kx) {
                const int32_t in_x = in_x0 + kx * params->dilation.w;
                int32_t in_val, f_val;
                if (in_x < 0 || in_x >= in_w) continue;
                in_val = input[(((size_t)b * in_h + in_y) * in_w + in_x) * in_c + ic];
                f_val = filter[((size_t)ky * k_w + kx) * out_c + oc];
                acc += f_val * in_val;
              }
            }
            if (bias) acc += bias[oc];
            out = tml_mbqm64(acc, quant->multiplier[oc], quant->shift[oc]);
            out += params->output_offset;
            out = TML_CLAMP(out, params->activation.min, params->activation.max);
            output[(((size_t)b * out_h + oy) * out_w + ox) * out_c + oc] = (int16_t)out;
          }
        }
      }
    }
  }
  return TML_OK;
}
