/*
 * CONV_2D int8, Armv7E-M twin of src/ref/tml_conv2d_s8.c (same results, same tests).
 *
 * im2col + dual MAC, the CMSIS-NN scheme: the receptive fields (KH x KW x Cin/groups) of two output pixels
 * are gathered into the scratch buffer as int16 with the input offset added (padding cells become 0, which is
 * what the reference's skipped taps contribute), reordered for SMLAD and interleaved; then each pair of
 * output channels of the group is multiplied with both columns at once (2 x 2 accumulators, each loaded word
 * used twice). Accumulators go to two int32 rows, requantized by one tight loop per pixel (see
 * tml_armv7em_output.h: the output offset folded into the rounding). Scratch (4-byte aligned): Cout
 * tml_channel_requant, 2 * Cout int32 (the rows), 4 * KH * KW * (Cin / groups) int16 (two gathered columns,
 * their interleaving). A 1 x 1 filter without padding (MobileNet's pointwise layers) fills the interleaved columns
 * straight from the int8 input, four bytes at a time (gather_pair_1x1_s8).
 */
#include <string.h>

#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"
#include "../common/tml_im2col.h"
#include "../common/tml_output_stage.h"
#include "tml_armv7em_dsp.h"
#include "tml_armv7em_output.h"

int32_t tml_armv7em_conv2d_s8_get_buffer_size(const tml_conv_params *params, const tml_dims *input_dims,
                                              const tml_dims *filter_dims, const tml_dims *output_dims) {
  (void)params;
  (void)input_dims;
  return output_dims->c * (int32_t)(sizeof(tml_channel_requant) + 2 * sizeof(int32_t)) +
         4 * filter_dims->h * filter_dims->w * filter_dims->c * (int32_t)sizeof(int16_t);
}

/* Groups of four become x0, x2, x1, x3 for SXTB16 / SMLAD. */
static void reorder(int16_t *col, int32_t k) {
  int32_t i;
  for (i = 0; i + 4 <= k; i += 4) {
    const int16_t t = col[i + 1];
    col[i + 1] = col[i + 2];
    col[i + 2] = t;
  }
}

static inline void write_u32(int16_t *p, uint32_t v) {
  memcpy(p, &v, 4);
}

/* A 1 x 1 filter without padding or groups, Cin a multiple of 4: the input rows of two output pixels go straight
 * to the interleaved layout tml_dot2x2_s8_q15_interleaved reads, four input bytes at a time -- SXTB16 (and
 * SXTB16 ROR #8) give the halfword pairs (x0, x2) and (x1, x3) that the layout wants, SADD16 adds the input
 * offset to both. The same columns as tml_im2col_s8 twice and tml_interleave_columns, at about a quarter of the
 * instructions; every cell is inside the input, so there is no bounds check. */
static void gather_pair_1x1_s8(const tml_conv_params *params, const tml_dims *input_dims, const int8_t *input,
                               int32_t b, int32_t p0, int32_t p1, int32_t out_w, int16_t *cols) {
  const int32_t in_w = input_dims->w, in_c = input_dims->c;
  const uint32_t offset2 = ((uint32_t)params->input_offset & 0xFFFFu) * 0x10001u;
  const int8_t *base = input + (size_t)b * input_dims->h * in_w * in_c;
  const int8_t *s0 =
      base + ((size_t)(p0 / out_w) * params->stride.h * in_w + (p0 % out_w) * params->stride.w) * in_c;
  const int8_t *s1 =
      base + ((size_t)(p1 / out_w) * params->stride.h * in_w + (p1 % out_w) * params->stride.w) * in_c;
  int32_t i;
  for (i = 0; i < in_c; i += 4) {
    const uint32_t v0 = tml_read_u32(s0 + i), v1 = tml_read_u32(s1 + i);
    write_u32(cols, tml_sadd16(tml_sxtb16(v0), offset2));
    write_u32(cols + 2, tml_sadd16(tml_sxtb16_ror8(v0), offset2));
    write_u32(cols + 4, tml_sadd16(tml_sxtb16(v1), offset2));
    write_u32(cols + 6, tml_sadd16(tml_sxtb16_ror8(v1), offset2));
    cols += 8;
  }
}

tml_status tml_armv7em_conv2d_s8(const tml_context *ctx, const tml_conv_params *params,
                                 const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                 const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                 const int32_t *bias, const tml_dims *output_dims, int8_t *output) {
  const int32_t in_c = input_dims->c, k_c = filter_dims->c;
  const int32_t out_w = output_dims->w, out_c = output_dims->c;
  const int32_t pixels = output_dims->h * out_w;
  const int32_t k = filter_dims->h * filter_dims->w * k_c;
  tml_channel_requant *channels = (tml_channel_requant *)(ctx ? ctx->buf : NULL);
  int32_t *row0 = (int32_t *)(channels + out_c);
  int32_t *row1 = row0 + out_c;
  int16_t *col0 = (int16_t *)(row1 + out_c);
  int16_t *col1 = col0 + k;
  int16_t *cols = col1 + k;
  const int32_t out_off = params->output_offset, act_min = params->activation.min,
                act_max = params->activation.max;
  int32_t groups, per_group, b, p, g, oc;
  int pointwise;
  if (k_c <= 0 || in_c % k_c != 0 || filter_dims->n != out_c || input_dims->n != output_dims->n) {
    return TML_ERROR_ARGUMENT;
  }
  if (channels == NULL ||
      ctx->size < tml_armv7em_conv2d_s8_get_buffer_size(params, input_dims, filter_dims, output_dims)) {
    return TML_ERROR_BUFFER;
  }
  for (oc = 0; oc < out_c; ++oc) {
    tml_armv7em_prepare_requant(&channels[oc], quant->multiplier[oc], quant->shift[oc], params->output_offset);
  }
  groups = in_c / k_c;
  if (out_c % groups != 0) return TML_ERROR_ARGUMENT;
  per_group = out_c / groups;
  pointwise = groups == 1 && filter_dims->h == 1 && filter_dims->w == 1 && params->padding.h == 0 &&
              params->padding.w == 0 && in_c % 4 == 0 && out_c % 2 == 0;
  for (b = 0; b < output_dims->n; ++b) {
    for (p = 0; p < pixels; p += 2) {
      const int two = p + 1 < pixels;
      int8_t *out0 = output + ((size_t)b * pixels + p) * out_c;
      for (g = 0; g < groups; ++g) {
        const int32_t oc_end = (g + 1) * per_group;
        oc = g * per_group;
        if (two && pointwise) {
          gather_pair_1x1_s8(params, input_dims, input, b, p, p + 1, out_w, cols);
          for (; oc < oc_end; oc += 2) {
            int32_t acc[4] = {0, 0, 0, 0};
            tml_dot2x2_s8_q15_interleaved(filter + (size_t)oc * k, filter + (size_t)(oc + 1) * k, cols, k, acc);
            row0[oc] = acc[0];
            row1[oc] = acc[1];
            row0[oc + 1] = acc[2];
            row1[oc + 1] = acc[3];
          }
          continue;
        }
        tml_im2col_s8(params, input_dims, input, filter_dims, b, p / out_w, p % out_w, g, col0);
        if (two) {
          tml_im2col_s8(params, input_dims, input, filter_dims, b, (p + 1) / out_w, (p + 1) % out_w, g, col1);
          tml_interleave_columns(col0, col1, k, cols);
          for (; oc + 2 <= oc_end; oc += 2) {
            int32_t acc[4] = {0, 0, 0, 0};
            tml_dot2x2_s8_q15_interleaved(filter + (size_t)oc * k, filter + (size_t)(oc + 1) * k, cols, k, acc);
            row0[oc] = acc[0];
            row1[oc] = acc[1];
            row0[oc + 1] = acc[2];
            row1[oc + 1] = acc[3];
          }
          if (oc < oc_end) {
            reorder(col0, k);
            reorder(col1, k);
            row0[oc] = tml_dot1_s8_q15(filter + (size_t)oc * k, col0, k, 0);
            row1[oc] = tml_dot1_s8_q15(filter + (size_t)oc * k, col1, k, 0);
          }
        } else {
          reorder(col0, k);
          for (; oc + 2 <= oc_end; oc += 2) {
            int32_t acc0 = 0, acc1 = 0;
            tml_dot2_s8_q15(filter + (size_t)oc * k, filter + (size_t)(oc + 1) * k, col0, k, &acc0, &acc1);
            row0[oc] = acc0;
            row0[oc + 1] = acc1;
          }
          if (oc < oc_end) row0[oc] = tml_dot1_s8_q15(filter + (size_t)oc * k, col0, k, 0);
        }
      }
      tml_armv7em_output_row(row0, bias, channels, out_c, out_off, act_min, act_max, out0);
      if (two) tml_armv7em_output_row(row1, bias, channels, out_c, out_off, act_min, act_max, out0 + out_c);
    }
  }
  return TML_OK;
}
