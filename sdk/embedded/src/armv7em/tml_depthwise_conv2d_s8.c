/*
 * DEPTHWISE_CONV_2D int8, Armv7E-M twin of src/ref/tml_depthwise_conv2d_s8.c (same results, same tests).
 *
 * Per output pixel, the window's valid taps (inside the input) are listed once, so the MAC loops carry no
 * bounds checks, and the pixel's accumulators go to an int32 row in the scratch buffer; one tight loop then
 * requantizes the row. With depth_multiplier 1 and channels a multiple of 4 (the MobileNet / DS-CNN case),
 * four channels go together: one word of input and one of weights per tap, split by SXTB16 into halfword
 * pairs (channels 0/2 and 1/3), and one 16 x 16 MAC per channel (SMLABB / SMLATT) -- depthwise has no
 * reduction over channels for SMLAD to use. For windows wholly inside the input the input offset is not added
 * per tap: bias + input_offset * (sum of the channel's weights), computed once per call, joins at the output
 * stage, and a 3 x 3 window is unrolled. Windows cut by the input's edge add the offset by SADD16. A depth
 * multiplier that is a multiple of 4 puts the input value in both halves of a word for SMLABB / SMLATT against
 * four weights (inside the input, walking the window by its strides with the offset folded likewise; at the
 * edges, over the tap list). Other shapes take a scalar loop over the same tap list. Windows above 64 taps go
 * to the reference.
 * Scratch: 3 * Cout int32 (accumulator row, bias + offset * weight sums, bias or 0) and Cout
 * tml_channel_requant (see tml_armv7em_output.h); 4-byte aligned.
 */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"
#include "../common/tml_output_stage.h"
#include "tml_armv7em_dsp.h"
#include "tml_armv7em_output.h"

#define TML_DW_MAX_TAPS 64

int32_t tml_armv7em_depthwise_conv2d_s8_get_buffer_size(const tml_dw_conv_params *params,
                                                        const tml_dims *input_dims, const tml_dims *filter_dims,
                                                        const tml_dims *output_dims) {
  (void)params;
  (void)input_dims;
  (void)filter_dims;
  return output_dims->c * (int32_t)(3 * sizeof(int32_t) + sizeof(tml_channel_requant));
}

#define TML_DW_TAP(X, W)                                            \
  do {                                                              \
    const uint32_t x_ = (X), w_ = (W);                              \
    const uint32_t x02 = tml_sxtb16(x_), x13 = tml_sxtb16_ror8(x_); \
    const uint32_t f02 = tml_sxtb16(w_), f13 = tml_sxtb16_ror8(w_); \
    a0 = tml_smlabb(f02, x02, a0);                                  \
    a2 = tml_smlatt(f02, x02, a2);                                  \
    a1 = tml_smlabb(f13, x13, a1);                                  \
    a3 = tml_smlatt(f13, x13, a3);                                  \
  } while (0)

/* All channels (4 at a time) of a 3 x 3 window inside the input; no offset. */
static void window_3x3(const int8_t *in, const int8_t *f, int32_t channels, int32_t col_step, int32_t row_step,
                       int32_t *acc) {
  int32_t c;
  for (c = 0; c < channels; c += 4) {
    const int8_t *x = in + c, *w = f + c;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, ky;
    for (ky = 0; ky < 3; ++ky) {
      TML_DW_TAP(tml_read_u32(x), tml_read_u32(w));
      TML_DW_TAP(tml_read_u32(x + col_step), tml_read_u32(w + channels));
      TML_DW_TAP(tml_read_u32(x + 2 * col_step), tml_read_u32(w + 2 * channels));
      x += row_step;
      w += 3 * channels;
    }
    acc[c] = a0;
    acc[c + 1] = a1;
    acc[c + 2] = a2;
    acc[c + 3] = a3;
  }
}

/* All channels (4 at a time) of any window inside the input; no offset. */
static void window_inside(const int8_t *in, const int8_t *f, int32_t channels, int32_t k_h, int32_t k_w,
                          int32_t col_step, int32_t row_step, int32_t *acc) {
  int32_t c;
  for (c = 0; c < channels; c += 4) {
    const int8_t *row = in + c, *w = f + c;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, ky, kx;
    for (ky = 0; ky < k_h; ++ky) {
      const int8_t *x = row;
      for (kx = 0; kx < k_w; ++kx) {
        TML_DW_TAP(tml_read_u32(x), tml_read_u32(w));
        x += col_step;
        w += channels;
      }
      row += row_step;
    }
    acc[c] = a0;
    acc[c + 1] = a1;
    acc[c + 2] = a2;
    acc[c + 3] = a3;
  }
}

/* All channels (4 at a time) over a list of taps, the input offset added to the input by SADD16. */
static void window_listed(const int8_t *const *in_tap, const int8_t *const *f_tap, int32_t taps, int32_t channels,
                          uint32_t offset2, int32_t *acc) {
  int32_t c, t;
  for (c = 0; c < channels; c += 4) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (t = 0; t < taps; ++t) {
      const uint32_t x = tml_read_u32(in_tap[t] + c), w = tml_read_u32(f_tap[t] + c);
      const uint32_t x02 = tml_sadd16(tml_sxtb16(x), offset2), x13 = tml_sadd16(tml_sxtb16_ror8(x), offset2);
      const uint32_t f02 = tml_sxtb16(w), f13 = tml_sxtb16_ror8(w);
      a0 = tml_smlabb(f02, x02, a0);
      a2 = tml_smlatt(f02, x02, a2);
      a1 = tml_smlabb(f13, x13, a1);
      a3 = tml_smlatt(f13, x13, a3);
    }
    acc[c] = a0;
    acc[c + 1] = a1;
    acc[c + 2] = a2;
    acc[c + 3] = a3;
  }
}

/* Depth multiplier a multiple of 4: the four output channels of one input channel share its value, which goes
 * into both halves of a word (input offset added) against four weights split by SXTB16. */
static void window_listed_multiplier(const int8_t *const *in_tap, const int8_t *const *f_tap, int32_t taps,
                                     int32_t in_c, int32_t mult, int32_t input_offset, int32_t *acc) {
  int32_t ic, m, t;
  for (ic = 0; ic < in_c; ++ic) {
    for (m = 0; m < mult; m += 4) {
      const int32_t oc = ic * mult + m;
      int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (t = 0; t < taps; ++t) {
        const uint32_t x = ((uint32_t)(in_tap[t][ic] + input_offset) & 0xFFFFu) * 0x10001u;
        const uint32_t w = tml_read_u32(f_tap[t] + oc);
        const uint32_t f02 = tml_sxtb16(w), f13 = tml_sxtb16_ror8(w);
        a0 = tml_smlabb(f02, x, a0);
        a2 = tml_smlatt(f02, x, a2);
        a1 = tml_smlabb(f13, x, a1);
        a3 = tml_smlatt(f13, x, a3);
      }
      acc[oc] = a0;
      acc[oc + 1] = a1;
      acc[oc + 2] = a2;
      acc[oc + 3] = a3;
    }
  }
}

/* Depth multiplier a multiple of 4, window inside the input (offset folded into the output stage): as
 * window_listed_multiplier, walking the window by its strides instead of a tap list. */
static void window_inside_multiplier(const int8_t *in, const int8_t *f, int32_t in_c, int32_t mult, int32_t k_h,
                                     int32_t k_w, int32_t col_step, int32_t row_step, int32_t *acc) {
  const int32_t out_c = in_c * mult;
  int32_t ic, m, ky, kx;
  for (ic = 0; ic < in_c; ++ic) {
    for (m = 0; m < mult; m += 4) {
      const int32_t oc = ic * mult + m;
      const int8_t *row = in + ic, *w = f + oc;
      int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (ky = 0; ky < k_h; ++ky) {
        const int8_t *x = row;
        for (kx = 0; kx < k_w; ++kx) {
          const uint32_t xv = (uint32_t)(uint16_t)(int16_t)*x * 0x10001u;
          const uint32_t wv = tml_read_u32(w);
          const uint32_t f02 = tml_sxtb16(wv), f13 = tml_sxtb16_ror8(wv);
          a0 = tml_smlabb(f02, xv, a0);
          a2 = tml_smlatt(f02, xv, a2);
          a1 = tml_smlabb(f13, xv, a1);
          a3 = tml_smlatt(f13, xv, a3);
          x += col_step;
          w += out_c;
        }
        row += row_step;
      }
      acc[oc] = a0;
      acc[oc + 1] = a1;
      acc[oc + 2] = a2;
      acc[oc + 3] = a3;
    }
  }
}

tml_status tml_armv7em_depthwise_conv2d_s8(const tml_context *ctx, const tml_dw_conv_params *params,
                                           const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                           const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                           const int32_t *bias, const tml_dims *output_dims, int8_t *output) {
  const int32_t in_h = input_dims->h, in_w = input_dims->w, in_c = input_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w;
  const int32_t out_h = output_dims->h, out_w = output_dims->w, out_c = output_dims->c;
  const int32_t mult = params->depth_multiplier;
  const int simd = mult == 1 && in_c % 4 == 0;
  const int32_t input_offset = params->input_offset;
  const uint32_t offset2 = ((uint32_t)input_offset & 0xFFFFu) * 0x10001u;
  const int32_t out_off = params->output_offset, act_min = params->activation.min,
                act_max = params->activation.max;
  const int32_t col_step = params->dilation.w * in_c, row_step = params->dilation.h * in_w * in_c;
  int32_t *acc = (int32_t *)(ctx ? ctx->buf : NULL);
  int32_t *inside_add = acc + out_c, *edge_add = inside_add + out_c;
  tml_channel_requant *channels = (tml_channel_requant *)(edge_add + out_c);
  const int8_t *in_tap[TML_DW_MAX_TAPS];
  const int8_t *f_tap[TML_DW_MAX_TAPS];
  int32_t b, oy, ox, oc, t;
  if (k_h * k_w > TML_DW_MAX_TAPS) {
    return tml_ref_depthwise_conv2d_s8(ctx, params, quant, input_dims, input, filter_dims, filter, bias,
                                       output_dims, output);
  }
  if (mult <= 0 || out_c != in_c * mult || filter_dims->c != out_c || input_dims->n != output_dims->n) {
    return TML_ERROR_ARGUMENT;
  }
  if (acc == NULL || ctx->size < out_c * (int32_t)(3 * sizeof(int32_t) + sizeof(tml_channel_requant))) {
    return TML_ERROR_BUFFER;
  }
  for (oc = 0; oc < out_c; ++oc) {
    tml_armv7em_prepare_requant(&channels[oc], quant->multiplier[oc], quant->shift[oc], params->output_offset);
  }
  for (oc = 0; oc < out_c; ++oc) {
    int32_t sum = 0;
    for (t = 0; t < k_h * k_w; ++t) sum += filter[(size_t)t * out_c + oc];
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
        if (simd && inside) { /* the common case: no tap list needed */
          const int8_t *window = in_b + ((size_t)in_y0 * in_w + in_x0) * in_c;
          if (k_h == 3 && k_w == 3) {
            window_3x3(window, filter, in_c, col_step, row_step, acc);
          } else {
            window_inside(window, filter, in_c, k_h, k_w, col_step, row_step, acc);
          }
          tml_armv7em_output_row(acc, inside_add, channels, out_c, out_off, act_min, act_max, out);
          continue;
        }
        if (mult % 4 == 0 && inside) {
          window_inside_multiplier(in_b + ((size_t)in_y0 * in_w + in_x0) * in_c, filter, in_c, mult, k_h, k_w,
                                   col_step, row_step, acc);
          tml_armv7em_output_row(acc, inside_add, channels, out_c, out_off, act_min, act_max, out);
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
        if (simd) {
          window_listed(in_tap, f_tap, taps, in_c, offset2, acc);
          tml_armv7em_output_row(acc, edge_add, channels, out_c, out_off, act_min, act_max, out);
          continue;
        }
        if (mult % 4 == 0) {
          window_listed_multiplier(in_tap, f_tap, taps, in_c, mult, input_offset, acc);
          tml_armv7em_output_row(acc, edge_add, channels, out_c, out_off, act_min, act_max, out);
          continue;
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
        tml_armv7em_output_row(acc, edge_add, channels, out_c, out_off, act_min, act_max, out);
      }
    }
  }
  return TML_OK;
}
