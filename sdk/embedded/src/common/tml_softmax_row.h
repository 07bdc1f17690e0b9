/*
 * TFLite's int8-input softmax (reference_ops::Softmax<int8_t, OutT>), split into a per-row pass and a
 * per-element result so that the int8 and int16 output kernels share it (internal).
 * exp(beta * scale * (x - max)) is evaluated in Q5.26 inputs -> Q0.31, summed in Q12.19, and multiplied by
 * the reciprocal of the sum; the result is scaled to 2^out_bits and shifted to the signed range. Inputs with
 * x - max < diff_min give the output type's minimum.
 */
#ifndef TINYML_TML_SOFTMAX_ROW_H
#define TINYML_TML_SOFTMAX_ROW_H

#include "tinyml/tml_types.h"
#include "tml_fixed_point.h"

#define TML_SOFTMAX_DIFF_INTEGER_BITS 5
#define TML_SOFTMAX_ACCUM_INTEGER_BITS 12

typedef struct {
  int32_t max_in_row;
  int32_t shifted_scale;
  int num_bits_over_unit;
} tml_softmax_row_state;

static inline int32_t tml_softmax_exp_s8(const tml_softmax_params *params, int32_t diff) {
  const int32_t rescaled = tml_mbqm_gt_one(diff, params->input_multiplier, params->input_left_shift);
  return tml_exp_on_negative_values(rescaled, TML_SOFTMAX_DIFF_INTEGER_BITS);
}

static inline void tml_softmax_row_prepare_s8(const tml_softmax_params *params, int32_t row_size, const int8_t *in,
                                              tml_softmax_row_state *state) {
  int32_t max_in_row = -128, sum_of_exps = 0, c;
  for (c = 0; c < row_size; ++c) {
    if (in[c] > max_in_row) max_in_row = in[c];
  }
  for (c = 0; c < row_size; ++c) {
    const int32_t diff = (int32_t)in[c] - max_in_row;
    if (diff >= params->diff_min) {
      /* Rescale<12>: Q0.31 -> Q12.19. */
      sum_of_exps = tml_wrap_add(sum_of_exps,
                                 tml_srmbpot(tml_softmax_exp_s8(params, diff), -TML_SOFTMAX_ACCUM_INTEGER_BITS));
    }
  }
  state->max_in_row = max_in_row;
  state->shifted_scale =
      tml_get_reciprocal(sum_of_exps, TML_SOFTMAX_ACCUM_INTEGER_BITS, &state->num_bits_over_unit);
}

static inline int32_t tml_softmax_value_s8(const tml_softmax_params *params, const tml_softmax_row_state *state,
                                           int8_t x, int out_bits, int32_t out_min, int32_t out_max) {
  const int32_t diff = (int32_t)x - state->max_in_row;
  int32_t unsat;
  if (diff < params->diff_min) return out_min;
  unsat = tml_rdbpot(tml_srdhm(state->shifted_scale, tml_softmax_exp_s8(params, diff)),
                     state->num_bits_over_unit + 31 - out_bits);
  return TML_CLAMP(unsat + out_min, out_min, out_max);
}

#endif /* TINYML_TML_SOFTMAX_ROW_H */
