/*
 * tinyml embedded runtime: plain parameter types shared by every kernel.
 *
 * Conventions (the TensorFlow Lite int8 / int16x8 specification):
 *  - Tensors are dense, row-major, NHWC. A tensor of lower rank is described with leading 1s
 *    (a [batches, depth] tensor is {n = batches, h = 1, w = 1, c = depth}).
 *  - Offsets, not zero points, are passed where TFLite passes offsets: input_offset = -input_zero_point,
 *    output_offset = +output_zero_point, filter_offset = -filter_zero_point.
 *  - Requantization multipliers are precomputed by the caller with TFLite's QuantizeMultiplier
 *    (tensorflow/lite/kernels/internal/quantization_util.cc): for a real multiplier M > 0,
 *        q = frexp(M, &shift);  qm = round_half_away_from_zero(q * 2^31);
 *        if (qm == 2^31) { qm /= 2; ++shift; }
 *        if (shift < -31) { shift = 0; qm = 0; }
 *    so M ~= qm * 2^(shift - 31), qm in [2^30, 2^31), a positive shift is a left shift. Kernels apply it as
 *    TFLite's MultiplyByQuantizedMultiplier (see tml_kernels.h); nothing is computed in floating point at run
 *    time except by the float <-> int8 (de)quantize kernels.
 *  - Activation bounds are already clamped to the output type's range by the caller
 *    (TFLite's CalculateActivationRangeQuantized).
 *  - The caller owns all memory; no kernel allocates. Kernels that need scratch memory take a tml_context
 *    whose buffer holds at least tml_<op>_<dtype>_get_buffer_size(...) bytes (0 means no buffer needed).
 */
#ifndef TINYML_TML_TYPES_H
#define TINYML_TML_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Result of a kernel. Kernels check only what they cannot compute around (a missing scratch buffer, an
 *  unsupported shape); a shape mismatch the caller could have seen ahead of time is the caller's bug. */
typedef enum {
  TML_OK = 0,
  TML_ERROR_ARGUMENT = -1, /* inconsistent dimensions or parameters */
  TML_ERROR_BUFFER = -2    /* scratch buffer missing or smaller than _get_buffer_size */
} tml_status;

/** Dimensions of a 4-D NHWC tensor. */
typedef struct {
  int32_t n;
  int32_t h;
  int32_t w;
  int32_t c;
} tml_dims;

/** A (height, width) pair: strides, dilations, explicit top/left padding. */
typedef struct {
  int32_t h;
  int32_t w;
} tml_tile;

/** Scratch memory owned by the caller (may be {NULL, 0} for kernels whose _get_buffer_size is 0). buf must be
 *  4-byte aligned (the optimized kernels keep int32 rows and load words from it). */
typedef struct {
  void *buf;
  int32_t size;
} tml_context;

/** Clamp applied to the output after the output offset is added, in the output type's units. */
typedef struct {
  int32_t min;
  int32_t max;
} tml_activation;

/** One per-tensor requantization: M ~= multiplier * 2^(shift - 31). */
typedef struct {
  int32_t multiplier;
  int32_t shift;
} tml_per_tensor_quant_params;

/** Per-output-channel requantization arrays (length = output channels). */
typedef struct {
  const int32_t *multiplier;
  const int32_t *shift;
} tml_per_channel_quant_params;

/** CONV_2D. padding is TFLite's computed top/left padding (ComputePaddingHeightWidth): the kernel reads
 *  input row out_y * stride.h - padding.h + ky * dilation.h and skips rows outside the input, which also
 *  covers bottom/right padding. Grouped convolution: groups = input channels / filter channels. */
typedef struct {
  int32_t input_offset;  /* -input_zero_point (0 for int16) */
  int32_t output_offset; /* output_zero_point (0 for int16) */
  tml_tile stride;
  tml_tile padding;
  tml_tile dilation;
  tml_activation activation;
} tml_conv_params;

/** DEPTHWISE_CONV_2D: output channel oc = ic * depth_multiplier + m. */
typedef struct {
  int32_t input_offset;
  int32_t output_offset;
  int32_t depth_multiplier;
  tml_tile stride;
  tml_tile padding;
  tml_tile dilation;
  tml_activation activation;
} tml_dw_conv_params;

/** FULLY_CONNECTED (per-tensor weights). */
typedef struct {
  int32_t input_offset;
  int32_t filter_offset; /* -filter_zero_point (0 for TFLite int8 weights) */
  int32_t output_offset;
  tml_activation activation;
} tml_fc_params;

/** AVERAGE_POOL_2D / MAX_POOL_2D (input and output share scale and zero point). */
typedef struct {
  tml_tile stride;
  tml_tile padding;
  tml_activation activation;
} tml_pool_params;

/** ADD (TFLite's ArithmeticParams as prepared by PrepareGeneralSubgraph / TFLM's add_common):
 *  left_shift = 20 for int8, 15 for int16;
 *  twice_max_input_scale = 2 * max(s1, s2);
 *  input1: QuantizeMultiplierSmallerThanOneExp(s1 / twice_max_input_scale) -> input1_multiplier/shift (shift <=
 * 0); input2: likewise with s2; output: QuantizeMultiplierSmallerThanOneExp(twice_max_input_scale / ((1 <<
 * left_shift) * s_out)). */
typedef struct {
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t output_offset;
  int32_t left_shift;
  int32_t input1_multiplier;
  int32_t input1_shift;
  int32_t input2_multiplier;
  int32_t input2_shift;
  int32_t output_multiplier;
  int32_t output_shift;
  tml_activation activation;
} tml_add_params;

/** MUL: output = MultiplyByQuantizedMultiplier((in1 + input1_offset) * (in2 + input2_offset),
 *  QuantizeMultiplier(s1 * s2 / s_out)) + output_offset. */
typedef struct {
  int32_t input1_offset;
  int32_t input2_offset;
  int32_t output_offset;
  int32_t output_multiplier;
  int32_t output_shift;
  tml_activation activation;
} tml_mul_params;

/** SOFTMAX int8 input (TFLite's SoftmaxParams for the gemmlowp fixed-point path), computed by the caller as
 *  TFLM's CalculateSoftmaxParams does:
 *    PreprocessSoftmaxScaling(beta, input_scale, 5, &input_multiplier, &input_left_shift)
 *      (real = min(beta * input_scale * 2^(31 - 5), 2^31 - 1), QuantizeMultiplierGreaterThanOne)
 *    diff_min = -CalculateInputRadius(5, input_left_shift)  (default total_signed_bits = 31).
 *  Output int8 must have scale 1/256, zero point -128; int16 output (int8 input) scale 1/65536, zero point
 *  -32768, as TFLite requires. */
typedef struct {
  int32_t input_multiplier;
  int32_t input_left_shift;
  int32_t diff_min;
} tml_softmax_params;

/** SOFTMAX int16 (TFLite's SoftmaxInt16): input_multiplier/input_left_shift = QuantizeMultiplier(
 *  input_scale * beta / (10.0 / 65535.0)); the two 513-entry tables are TFLite's gen_lut outputs:
 *  exp_lut = gen_lut(exp, -10, 0, -1, 1), one_over_one_plus_x_lut = gen_lut(1 / (1 + x), 0, 1, -1, 1)
 *  (tml_gen_lut_s16 in tml_kernels.h computes them). */
typedef struct {
  int32_t input_multiplier;
  int32_t input_left_shift;
  const int16_t *exp_lut;
  const int16_t *one_over_one_plus_x_lut;
} tml_softmax_s16_params;

/** LOGISTIC / TANH int8 (TFLM logistic_common / tanh prepare, kInputIntegerBits = 4):
 *    real = input_scale * 2^(31 - 4);  q = frexp(real, &input_left_shift);
 *    input_multiplier = round_half_away(q * 2^31)  (no QuantizeMultiplier correction; the same for both ops)
 *    input_range_radius = CalculateInputRadius(4, input_left_shift, 31)
 *      = floor((2^4 - 1) * 2^(31 - 4) / 2^input_left_shift).
 *  Output: logistic scale 1/256 zero point -128; tanh scale 1/128 zero point 0. */
typedef struct {
  int32_t input_zero_point;
  int32_t input_range_radius;
  int32_t input_multiplier;
  int32_t input_left_shift;
} tml_sigmoid_params;

/** LOGISTIC / TANH int16 (TFLM logistic_common / tanh_common, input and output zero point 0, output scale
 *  1/32768): with log2r = round(log2(input_scale)) (TFLite's CheckedLog2, float), input_left_shift = 12 + log2r;
 *  when input_scale is a power of two (|log2 - log2r| < 1e-3) and that shift is 0 (LOGISTIC) or 0 or 1 (TANH),
 *  input_multiplier = 0 (the kernel then scales by 3 << input_left_shift); otherwise m = input_scale * 4096 * 3
 *  (double) is doubled while m <= 32767 / 2 and the shift count (from 0) is <= 30, input_left_shift = that
 *  count, input_multiplier = (int32)m. */
typedef struct {
  int32_t input_multiplier;
  int32_t input_left_shift;
} tml_sigmoid_s16_params;

/** RELU (standalone, not fused): TFLM's ReluQuantized with multiplier/shift = QuantizeMultiplier(input_scale /
 *  output_scale) and activation = {max(qmin, output_zero_point), qmax}. */
typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;
  int32_t shift;
  tml_activation activation;
} tml_relu_params;

/** MEAN over H and W of an NHWC tensor (keep_dims or not, the bytes are the same). Mirrors TFLM's
 *  EvalIntegerMean: when input and output share scale and zero point (same_quantization != 0) it is
 *  reference_ops::Mean (raw sum / count, truncated toward zero); otherwise reference_ops::QuantizedMeanOrSum,
 *  which folds 1/count into multiplier/shift inside the kernel (integer arithmetic, as TFLite does). */
typedef struct {
  int32_t same_quantization;
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier; /* QuantizeMultiplier(input_scale / output_scale) */
  int32_t shift;
} tml_mean_params;

/** PAD / PADV2: elements added before and after each NHWC dimension. */
typedef struct {
  tml_dims before;
  tml_dims after;
} tml_pad_params;

/** QUANTIZE float -> int8/int16 and DEQUANTIZE: real = scale * (q - zero_point). */
typedef struct {
  float scale;
  int32_t zero_point;
} tml_affine_params;

/** QUANTIZE between integer types (TFLite's Requantize): multiplier/shift = QuantizeMultiplier(
 *  input_scale / output_scale). */
typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;
  int32_t shift;
} tml_requantize_params;

#ifdef __cplusplus
}
#endif

#endif /* TINYML_TML_TYPES_H */
