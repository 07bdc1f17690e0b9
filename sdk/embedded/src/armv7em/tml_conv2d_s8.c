/*
 * CONV_2D int8, Armv7E-M twin of src/ref/tml_conv2d_s8.c (same results, same tests).
 *
 * im2col + dual MAC: for each output pixel the receptive field (KH x KW x Cin/groups) is gathered once into the
 * scratch buffer as int16 with the input offset added (padding cells become 0, which is what the reference's
 * skipped taps contribute) and reordered for SMLAD; then every output channel of the group is a dot product
 * of its int8 filter row with that column, two channels at a time, 4 MACs per SXTB16/SMLAD step.
 * Scratch: KH * KW * (Cin / groups) int16.
 */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"
#include "tml_armv7em_dsp.h"

int32_t tml_armv7em_conv2d_s8_get_buffer_size(const tml_conv_params *params, const tml_dims *input_dims,
                                              const tml_dims *filter_dims, const tml_dims *output_dims) {
  (void)params;
  (void)input_dims;
  (void)output_dims;
  return filter_dims->h * filter_dims->w * filter_dims->c * (int32_t)sizeof(int16_t);
}

static int8_t requantize(int32_t acc, const int32_t *bias, int32_t oc, const tml_per_channel_quant_params *quant,
                         const tml_conv_params *params) {
  if (bias) acc += bias[oc];
  acc = tml_mbqm(acc, quant->multiplier[oc], quant->shift[oc]) + params->output_offset;
  return (int8_t)TML_CLAMP(acc, params->activation.min, params->activation.max);
}

tml_status tml_armv7em_conv2d_s8(const tml_context *ctx, const tml_conv_params *params,
                                 const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                 const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                 const int32_t *bias, const tml_dims *output_dims, int8_t *output) {
  const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w, k_c = filter_dims->c;
  const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
  const int32_t k = k_h * k_w * k_c;
  int16_t *col = (int16_t *)(ctx ? ctx->buf : NULL);
  int32_t groups, per_group, b, oy, ox, g;
  if (k_c <= 0 || in_c % k_c != 0 || filter_dims->n != out_c || input_dims->n != output_dims->n) {
    return TML_ERROR_ARGUMENT;
  }
  if (col == NULL || ctx->size < k * (int32_t)sizeof(int16_t)) return TML_ERROR_BUFFER;
  groups = in_c / k_c;
  if (out_c % groups != 0) return TML_ERROR_ARGUMENT;
  per_group = out_c / groups;
  for (b = 0; b < output_dims->n; ++b) {
    for (oy = 0; oy < out_h; ++oy) {
      const int32_t in_y0 = oy * params->stride.h - params->padding.h;
      for (ox = 0; ox < out_w; ++ox) {
        const int32_t in_x0 = ox * params->stride.w - params->padding.w;
        int8_t *out = output + (((size_t)b * out_h + oy) * out_w + ox) * out_c;
        for (g = 0; g < groups; ++g) {
          int32_t ky, kx, i, oc;
          int16_t *dst = col;
          /* Gather the receptive field. */
          for (ky = 0; ky < k_h; ++ky) {
            const int32_t in_y = in_y0 + ky * params->dilation.h;
            for (kx = 0; kx < k_w; ++kx) {
              const int32_t in_x = in_x0 + kx * params->dilation.w;
              if (in_y < 0 || in_y >= in_h || in_x < 0 || in_x >= in_w) {
                for (i = 0; i < k_c; ++i) dst[i] = 0;
              } else {
                const int8_t *src = input + (((size_t)b * in_h + in_y) * in_w + in_x) * in_c + g * k_c;
                for (i = 0; i < k_c; ++i) dst[i] = (int16_t)(src[i] + params->input_offset);
              }
              dst += k_c;
            }
          }
          /* Reorder groups of four to x0, x2, x1, x3 for SXTB16 / SMLAD. */
          for (i = 0; i + 4 <= k; i += 4) {
            const int16_t t = col[i + 1];
            col[i + 1] = col[i + 2];
            col[i + 2] = t;
          }
          oc = g * per_group;
          for (; oc + 2 <= (g + 1) * per_group; oc += 2) {
            int32_t acc0 = 0, acc1 = 0;
            tml_dot2_s8_q15(filter + (size_t)oc * k, filter + (size_t)(oc + 1) * k, col, k, &acc0, &acc1);
            out[oc] = requantize(acc0, bias, oc, quant, params);
            out[oc + 1] = requantize(acc1, bias, oc + 1, quant, params);
          }
          if (oc < (g + 1) * per_group) {
            out[oc] = requantize(tml_dot1_s8_q15(filter + (size_t)oc * k, col, k, 0), bias, oc, quant, params);
          }
        }
      }
    }
  }
  return TML_OK;
}
