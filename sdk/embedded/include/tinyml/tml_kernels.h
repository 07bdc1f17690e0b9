/*
 * tinyml embedded runtime: the public kernels.
 *
 * Every kernel here gives the same output bytes as TensorFlow Lite Micro's reference kernel for the same
 * operator, parameters and input (tests/make_goldens.py checks that against TFLM on random and real layers).
 *
 * Names. The public name (tml_conv2d_s8) is what generated code calls; it resolves at compile time to the
 * fastest twin for the target, chosen by the architecture macro:
 *     TML_ARCH_ARMV7EM  Cortex-M4/M7 with the DSP extension (src/armv7em/, tml_armv7em_* symbols)
 *     TML_ARCH_RV32IM   RV32IM(C) (src/rv32im/, tml_rv32im_* symbols)
 *     neither           the reference kernels (src/ref/, tml_ref_* symbols)
 * A kernel without an optimized twin for the target resolves to its reference. Link src/ref/ always and
 * src/<arch>/ for the target; the twins share the signature and the tests, and each twin's _get_buffer_size
 * (the public name resolves to the twin's) says what it needs. Twins today: conv2d_s8, depthwise_conv2d_s8 and
 * fully_connected_s8 for both architectures; conv2d_s16 and fully_connected_s16 for Armv7E-M.
 *
 * Memory. The caller owns everything: tensors, the scratch buffer of a tml_context (at least the kernel's
 * tml_<op>_<dtype>_get_buffer_size(...) bytes, computable ahead of time from shapes, 4-byte aligned; a kernel
 * given less returns TML_ERROR_BUFFER before touching anything), and precomputed
 * multipliers. No kernel allocates, and none keeps state between calls. Input and output must not overlap
 * unless a kernel says so.
 *
 * Fixed-point arithmetic (all as in tensorflow/lite/kernels/internal/common.h, double rounding, i.e.
 * TFLITE_SINGLE_ROUNDING off as in TFLite Micro's default build):
 *   MultiplyByQuantizedMultiplier(int32 x, qm, shift) =
 *       RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x * 2^max(shift, 0), qm), max(-shift, 0))
 *   MultiplyByQuantizedMultiplier(int64 x, qm, shift)  (int16x8 conv / fc):
 *       reduced = qm < 0x7FFF0000 ? (qm + 2^15) >> 16 : 0x7FFF;  total = 15 - shift;
 *       (int32)((x * reduced + 2^(total - 1)) >> total)
 * See tml_types.h for how the caller computes each parameter struct.
 */
#ifndef TINYML_TML_KERNELS_H
#define TINYML_TML_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "tml_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------------------
 * Convolutions. Mirrors reference_integer_ops::ConvPerChannel / DepthwiseConvPerChannel:
 *   acc = sum filter[oc, ky, kx, ic] * (input[..] + input_offset)  (int32; int64 for s16, no input offset)
 *   acc += bias[oc] (bias may be NULL);  acc = MultiplyByQuantizedMultiplier(acc, multiplier[oc], shift[oc]);
 *   out = clamp(acc + output_offset, activation.min, activation.max)
 * input_dims {N, H, W, Cin}; filter_dims {Cout, KH, KW, Cin / groups} (OHWI); output_dims {N, OH, OW, Cout}.
 * Depthwise: filter_dims {1, KH, KW, Cout}, Cout = Cin * depth_multiplier.
 * ------------------------------------------------------------------------------------------------------- */
tml_status tml_ref_conv2d_s8(const tml_context *ctx, const tml_conv_params *params,
                             const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                             const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                             const int32_t *bias, const tml_dims *output_dims, int8_t *output);
int32_t tml_ref_conv2d_s8_get_buffer_size(const tml_conv_params *params, const tml_dims *input_dims,
                                          const tml_dims *filter_dims, const tml_dims *output_dims);

tml_status tml_ref_conv2d_s16(const tml_context *ctx, const tml_conv_params *params,
                              const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                              const int16_t *input, const tml_dims *filter_dims, const int8_t *filter,
                              const int64_t *bias, const tml_dims *output_dims, int16_t *output);
int32_t tml_ref_conv2d_s16_get_buffer_size(const tml_conv_params *params, const tml_dims *input_dims,
                                           const tml_dims *filter_dims, const tml_dims *output_dims);

tml_status tml_ref_depthwise_conv2d_s8(const tml_context *ctx, const tml_dw_conv_params *params,
                                       const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                       const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                       const int32_t *bias, const tml_dims *output_dims, int8_t *output);
int32_t tml_ref_depthwise_conv2d_s8_get_buffer_size(const tml_dw_conv_params *params, const tml_dims *input_dims,
                                                    const tml_dims *filter_dims, const tml_dims *output_dims);

tml_status tml_ref_depthwise_conv2d_s16(const tml_context *ctx, const tml_dw_conv_params *params,
                                        const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                        const int16_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                        const int64_t *bias, const tml_dims *output_dims, int16_t *output);
int32_t tml_ref_depthwise_conv2d_s16_get_buffer_size(const tml_dw_conv_params *params, const tml_dims *input_dims,
                                                     const tml_dims *filter_dims, const tml_dims *output_dims);

/* ---------------------------------------------------------------------------------------------------------
 * FULLY_CONNECTED, per-tensor weights. Mirrors reference_integer_ops::FullyConnected:
 *   acc = sum (filter[o, i] + filter_offset) * (input[b, i] + input_offset); acc += bias[o] (may be NULL);
 *   out = clamp(MultiplyByQuantizedMultiplier(acc, multiplier, shift) + output_offset, min, max)
 * input_dims: n = batches, h * w * c = accum_depth; filter_dims {Cout, 1, 1, accum_depth} ([out, in] as in
 * TFLite); output_dims {batches, 1, 1, Cout}. s16: int16 input/output, int64 bias, no offsets.
 * ------------------------------------------------------------------------------------------------------- */
tml_status tml_ref_fully_connected_s8(const tml_context *ctx, const tml_fc_params *params,
                                      const tml_per_tensor_quant_params *quant, const tml_dims *input_dims,
                                      const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                      const int32_t *bias, const tml_dims *output_dims, int8_t *output);
int32_t tml_ref_fully_connected_s8_get_buffer_size(const tml_dims *filter_dims);

tml_status tml_ref_fully_connected_s16(const tml_context *ctx, const tml_fc_params *params,
                                       const tml_per_tensor_quant_params *quant, const tml_dims *input_dims,
                                       const int16_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                       const int64_t *bias, const tml_dims *output_dims, int16_t *output);
int32_t tml_ref_fully_connected_s16_get_buffer_size(const tml_dims *filter_dims);

/* FULLY_CONNECTED with per-output-channel weight scales (TFLite's converter makes these by default since
 * TF 2.17): reference_integer_ops::FullyConnectedPerChannel -- as above with multiplier[o] / shift[o] (computed
 * like a convolution's: double(input_scale) * filter_scale[o] / output_scale), no filter offset. */
tml_status tml_ref_fully_connected_per_channel_s8(const tml_context *ctx, const tml_fc_params *params,
                                                  const tml_per_channel_quant_params *quant,
                                                  const tml_dims *input_dims, const int8_t *input,
                                                  const tml_dims *filter_dims, const int8_t *filter,
                                                  const int32_t *bias, const tml_dims *output_dims,
                                                  int8_t *output);
int32_t tml_ref_fully_connected_per_channel_s8_get_buffer_size(const tml_dims *filter_dims);
tml_status tml_ref_fully_connected_per_channel_s16(const tml_context *ctx, const tml_fc_params *params,
                                                   const tml_per_channel_quant_params *quant,
                                                   const tml_dims *input_dims, const int16_t *input,
                                                   const tml_dims *filter_dims, const int8_t *filter,
                                                   const int64_t *bias, const tml_dims *output_dims,
                                                   int16_t *output);
int32_t tml_ref_fully_connected_per_channel_s16_get_buffer_size(const tml_dims *filter_dims);

/* ---------------------------------------------------------------------------------------------------------
 * Pooling. Mirrors reference_integer_ops::AveragePool / MaxPool: the window is clipped to the input;
 * average = sum / count rounded half away from zero (integer division as TFLite does it), then clamped.
 * filter_dims: h, w = window size (n, c ignored). Same scale and zero point in and out.
 * ------------------------------------------------------------------------------------------------------- */
tml_status tml_ref_avgpool_s8(const tml_context *ctx, const tml_pool_params *params, const tml_dims *input_dims,
                              const int8_t *input, const tml_dims *filter_dims, const tml_dims *output_dims,
                              int8_t *output);
int32_t tml_ref_avgpool_s8_get_buffer_size(const tml_dims *input_dims, const tml_dims *output_dims);
tml_status tml_ref_avgpool_s16(const tml_context *ctx, const tml_pool_params *params, const tml_dims *input_dims,
                               const int16_t *input, const tml_dims *filter_dims, const tml_dims *output_dims,
                               int16_t *output);
int32_t tml_ref_avgpool_s16_get_buffer_size(const tml_dims *input_dims, const tml_dims *output_dims);
tml_status tml_ref_maxpool_s8(const tml_pool_params *params, const tml_dims *input_dims, const int8_t *input,
                              const tml_dims *filter_dims, const tml_dims *output_dims, int8_t *output);
tml_status tml_ref_maxpool_s16(const tml_pool_params *params, const tml_dims *input_dims, const int16_t *input,
                               const tml_dims *filter_dims, const tml_dims *output_dims, int16_t *output);

/* ---------------------------------------------------------------------------------------------------------
 * Elementwise ADD / MUL with 4-D broadcasting (a dimension of 1 in one input repeats along the output).
 * ADD mirrors reference_integer_ops::Add (AddElementwise / BroadcastAdd4DSlow):
 *   a = (in1 + input1_offset) << left_shift;  b likewise
 *   a = MultiplyByQuantizedMultiplierSmallerThanOneExp(a, input1_multiplier, input1_shift);  b likewise
 *   out = clamp(MultiplyByQuantizedMultiplierSmallerThanOneExp(a + b, output_multiplier, output_shift)
 *               + output_offset, min, max)
 * MUL mirrors reference_integer_ops::Mul (MulElementwise / BroadcastMul4DSlow), see tml_mul_params.
 * int16: zero points are 0 (offsets 0); ADD's left_shift is 15.
 * ------------------------------------------------------------------------------------------------------- */
tml_status tml_ref_add_s8(const tml_add_params *params, const tml_dims *input1_dims, const int8_t *input1,
                          const tml_dims *input2_dims, const int8_t *input2, const tml_dims *output_dims,
                          int8_t *output);
tml_status tml_ref_add_s16(const tml_add_params *params, const tml_dims *input1_dims, const int16_t *input1,
                           const tml_dims *input2_dims, const int16_t *input2, const tml_dims *output_dims,
                           int16_t *output);
tml_status tml_ref_mul_s8(const tml_mul_params *params, const tml_dims *input1_dims, const int8_t *input1,
                          const tml_dims *input2_dims, const int8_t *input2, const tml_dims *output_dims,
                          int8_t *output);
tml_status tml_ref_mul_s16(const tml_mul_params *params, const tml_dims *input1_dims, const int16_t *input1,
                           const tml_dims *input2_dims, const int16_t *input2, const tml_dims *output_dims,
                           int16_t *output);

/* ---------------------------------------------------------------------------------------------------------
 * SOFTMAX over the last dimension: num_rows rows of row_size elements.
 * s8 and s8_s16 (int8 in, int16 out) mirror reference_ops::Softmax<int8_t, OutT> (gemmlowp fixed point,
 * kScaledDiffIntegerBits = 5, kAccumulationIntegerBits = 12); s16 mirrors reference_integer_ops::SoftmaxInt16
 * (LUTs). tml_gen_lut_s16 fills a 513-entry table like TFLite's gen_lut<float, int16_t, int16_t>; generated
 * code may call it once at start-up or embed its output.
 * ------------------------------------------------------------------------------------------------------- */
tml_status tml_ref_softmax_s8(const tml_softmax_params *params, int32_t num_rows, int32_t row_size,
                              const int8_t *input, int8_t *output);
tml_status tml_ref_softmax_s8_s16(const tml_softmax_params *params, int32_t num_rows, int32_t row_size,
                                  const int8_t *input, int16_t *output);
tml_status tml_ref_softmax_s16(const tml_softmax_s16_params *params, int32_t num_rows, int32_t row_size,
                               const int16_t *input, int16_t *output);
/** func: the real function; e.g. expf on [-10, 0] -> [-1, 1] for softmax's exp_lut. */
void tml_gen_lut_s16(float (*func)(float), float input_min, float input_max, float output_min, float output_max,
                     int16_t lut[513]);

/* ---------------------------------------------------------------------------------------------------------
 * LOGISTIC / TANH int8: reference_integer_ops::Logistic / Tanh (gemmlowp fixed point, 4 integer bits in).
 * ------------------------------------------------------------------------------------------------------- */
tml_status tml_ref_logistic_s8(const tml_sigmoid_params *params, int32_t size, const int8_t *input,
                               int8_t *output);
tml_status tml_ref_tanh_s8(const tml_sigmoid_params *params, int32_t size, const int8_t *input, int8_t *output);
/* int16: reference_integer_ops::Logistic / Tanh for int16 (a 256-entry sigmoid table, linear interpolation). */
tml_status tml_ref_logistic_s16(const tml_sigmoid_s16_params *params, int32_t size, const int16_t *input,
                                int16_t *output);
tml_status tml_ref_tanh_s16(const tml_sigmoid_s16_params *params, int32_t size, const int16_t *input,
                            int16_t *output);

/* RELU: out = clamp(MultiplyByQuantizedMultiplier(in - input_zero_point, multiplier, shift) + output_zero_point)
 * (TFLM's ReluQuantized). */
tml_status tml_ref_relu_s8(const tml_relu_params *params, int32_t size, const int8_t *input, int8_t *output);
tml_status tml_ref_relu_s16(const tml_relu_params *params, int32_t size, const int16_t *input, int16_t *output);

/* ---------------------------------------------------------------------------------------------------------
 * MEAN over H and W of {N, H, W, C} into {N, 1, 1, C} (TFLM's REDUCE MEAN int8/int16 path).
 * ------------------------------------------------------------------------------------------------------- */
tml_status tml_ref_mean_s8(const tml_mean_params *params, const tml_dims *input_dims, const int8_t *input,
                           const tml_dims *output_dims, int8_t *output);
tml_status tml_ref_mean_s16(const tml_mean_params *params, const tml_dims *input_dims, const int16_t *input,
                            const tml_dims *output_dims, int16_t *output);

/* ---------------------------------------------------------------------------------------------------------
 * Data movement: PAD (pad_value = output zero point for PAD, the quantized constant for PADV2),
 * CONCATENATION (all inputs share the output's scale and zero point, as TFLM requires: a plain copy),
 * RESHAPE (a copy of size elements; in == out is allowed).
 * concat: the output is outer_size blocks; block k holds, for each input i in order, axis_sizes[i] * inner_size
 * elements taken from inputs[i] + k * axis_sizes[i] * inner_size.
 * ------------------------------------------------------------------------------------------------------- */
tml_status tml_ref_pad_s8(const tml_pad_params *params, const tml_dims *input_dims, const int8_t *input,
                          int8_t pad_value, const tml_dims *output_dims, int8_t *output);
tml_status tml_ref_pad_s16(const tml_pad_params *params, const tml_dims *input_dims, const int16_t *input,
                           int16_t pad_value, const tml_dims *output_dims, int16_t *output);
tml_status tml_ref_concat_s8(int32_t num_inputs, const int8_t *const *inputs, const int32_t *axis_sizes,
                             int32_t outer_size, int32_t inner_size, int8_t *output);
tml_status tml_ref_concat_s16(int32_t num_inputs, const int16_t *const *inputs, const int32_t *axis_sizes,
                              int32_t outer_size, int32_t inner_size, int16_t *output);
tml_status tml_ref_reshape_s8(int32_t size, const int8_t *input, int8_t *output);
tml_status tml_ref_reshape_s16(int32_t size, const int16_t *input, int16_t *output);

/* ---------------------------------------------------------------------------------------------------------
 * Type conversions. QUANTIZE float -> int: q = clamp(round_half_away(x / scale) + zero_point) in float
 * (reference_ops::AffineQuantize); DEQUANTIZE: x = scale * (q - zero_point); integer QUANTIZE (requantize):
 * out = clamp(MultiplyByQuantizedMultiplier(in - input_zero_point, multiplier, shift) + output_zero_point)
 * (reference_ops::Requantize).
 * ------------------------------------------------------------------------------------------------------- */
tml_status tml_ref_quantize_f32_s8(const tml_affine_params *params, int32_t size, const float *input,
                                   int8_t *output);
tml_status tml_ref_quantize_f32_s16(const tml_affine_params *params, int32_t size, const float *input,
                                    int16_t *output);
tml_status tml_ref_dequantize_s8_f32(const tml_affine_params *params, int32_t size, const int8_t *input,
                                     float *output);
tml_status tml_ref_dequantize_s16_f32(const tml_affine_params *params, int32_t size, const int16_t *input,
                                      float *output);
tml_status tml_ref_requantize_s8_s8(const tml_requantize_params *params, int32_t size, const int8_t *input,
                                    int8_t *output);
tml_status tml_ref_requantize_s8_s16(const tml_requantize_params *params, int32_t size, const int8_t *input,
                                     int16_t *output);
tml_status tml_ref_requantize_s16_s8(const tml_requantize_params *params, int32_t size, const int16_t *input,
                                     int8_t *output);
tml_status tml_ref_requantize_s16_s16(const tml_requantize_params *params, int32_t size, const int16_t *input,
                                      int16_t *output);

#ifdef __cplusplus
}
#endif

/* ---------------------------------------------------------------------------------------------------------
 * Dispatch: an architecture header #defines the public names it implements; the rest fall back to ref.
 * ------------------------------------------------------------------------------------------------------- */
#include "tml_kernels_armv7em.h"
#include "tml_kernels_rv32im.h"

#include "tml_kernels_dispatch.h"

#endif /* TINYML_TML_KERNELS_H */
