/* CONV_2D int16x8, reference: reference_integer_ops::ConvPerChannel (int16 activations, int8 weights,
 * int64 accumulator and bias) (grouped when the filter has fewer input
 * channels than the input). Direct loops over the output; no scratch memory. */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

int32_t tml_ref_conv2d_s16_get_buffer_size(const tml_conv_params *params, const tml_dims *input_dims,
                                           const tml_dims *filter_dims, const tml_dims *output_dims) {
  (void)params;
  (void)input_dims;
  (void)filter_dims;
  (void)output_dims;
  return 0;
}

tml_status tml_ref_conv2d_s16(const tml_context *ctx, const tml_conv_params *params,
                              const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                              const int16_t *input, const tml_dims *filter_dims, const int8_t *filter,
                              const int64_t *bias, const tml_dims *output_dims, int16_t *output) {
  const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w, k_c = filter_dims->c;
  const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
  int32_t groups, filters_per_group, b, oy, ox, oc;
  (void)ctx;
  if (k_c <= 0 || in_c % k_c != 0 || filter_dims->n != out_c || input_dims->n != output_dims->n) {
    return TML_ERROR_ARGUMENT;
  }
  groups = in_c / k_c;
  if (out_c % groups != 0) return TML_ERROR_ARGUMENT;
  filters_per_group = out_c / groups;
  for (b = 0; b < output_dims->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y0 = oy * params->stride.h - params->padding.h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x0 = ox * params->stride.w - params->padding.w;
        for (oc = 0; oc < out_c; ++oc) {
          const int32_t ic0 = (oc / filters_per_group) * k_c;
          const int8_t *f = filter + (size_t)oc * k_h * k_w * k_c;
          int64_t acc = 0;
          int32_t ky, kx, ic;
          for (ky = 0; ky < k_h; ++ky) {
            const int32_t in_y = in_y0 + ky * params->dilation.h;
            if (in_y < 0 || in_y >= in_h) continue;
            for (kx = 0; kx < k_w; ++kx) {
              const int32_t in_x = in_x0 + kx * params->dilation.w;
              const int16_t *in;
              const int8_t *fk;
              if (in_x < 0 || in_x >= in_w) continue;
              in = input + (((size_t)b * in_h + in_y) * in_w + in_x) * in_c + ic0;
              fk = f + ((size_t)ky * k_w + kx) * k_c;
              for (ic = 0; ic < k_c; ++ic) {
                acc += (int64_t)((int32_t)fk[ic] * (int32_t)in[ic]);
              }
            }
          }
          int32_t out;
          if (bias) acc += bias[oc];
          out = tml_mbqm64(acc, quant->multiplier[oc], quant->shift[oc]);
          out += params->output_offset;
          out = TML_CLAMP(out, params->activation.min, params->activation.max);
          output[(((size_t)b * out_h + oy) * out_w + ox) * out_c + oc] = (int16_t)out;
        }
      }
    }
  }
  return TML_OK;
}
