/* Optimized twins for Armv7E-M (Cortex-M4/M7 with DSP): each #define maps a public name of tml_kernels.h to
 * its tml_armv7em_* symbol, with the same signature, buffer-size rule and tests as the reference. The
 * prototypes are always declared (the host tests build the portable C of these twins too); the mapping only
 * under TML_ARCH_ARMV7EM. */
#ifndef TINYML_TML_KERNELS_ARMV7EM_H
#define TINYML_TML_KERNELS_ARMV7EM_H

#include "tml_types.h"

#ifdef __cplusplus
extern "C" {
#endif

tml_status tml_armv7em_conv2d_s8(const tml_context *ctx, const tml_conv_params *params,
                                 const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                 const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                 const int32_t *bias, const tml_dims *output_dims, int8_t *output);
int32_t tml_armv7em_conv2d_s8_get_buffer_size(const tml_conv_params *params, const tml_dims *input_dims,
                                              const tml_dims *filter_dims, const tml_dims *output_dims);
tml_status tml_armv7em_depthwise_conv2d_s8(const tml_context *ctx, const tml_dw_conv_params *params,
                                           const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                           const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                           const int32_t *bias, const tml_dims *output_dims, int8_t *output);
int32_t tml_armv7em_depthwise_conv2d_s8_get_buffer_size(const tml_dw_conv_params *params,
                                                        const tml_dims *input_dims, const tml_dims *filter_dims,
                                                        const tml_dims *output_dims);
tml_status tml_armv7em_fully_connected_s8(const tml_context *ctx, const tml_fc_params *params,
                                          const tml_per_tensor_quant_params *quant, const tml_dims *input_dims,
                                          const int8_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                          const int32_t *bias, const tml_dims *output_dims, int8_t *output);
int32_t tml_armv7em_fully_connected_s8_get_buffer_size(const tml_dims *filter_dims);
tml_status tml_armv7em_conv2d_s16(const tml_context *ctx, const tml_conv_params *params,
                                  const tml_per_channel_quant_params *quant, const tml_dims *input_dims,
                                  const int16_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                  const int64_t *bias, const tml_dims *output_dims, int16_t *output);
int32_t tml_armv7em_conv2d_s16_get_buffer_size(const tml_conv_params *params, const tml_dims *input_dims,
                                               const tml_dims *filter_dims, const tml_dims *output_dims);
tml_status tml_armv7em_fully_connected_s16(const tml_context *ctx, const tml_fc_params *params,
                                           const tml_per_tensor_quant_params *quant, const tml_dims *input_dims,
                                           const int16_t *input, const tml_dims *filter_dims, const int8_t *filter,
                                           const int64_t *bias, const tml_dims *output_dims, int16_t *output);
int32_t tml_armv7em_fully_connected_s16_get_buffer_size(const tml_dims *filter_dims);

#ifdef __cplusplus
}
#endif

#if defined(TML_ARCH_ARMV7EM)
#define tml_conv2d_s8 tml_armv7em_conv2d_s8
#define tml_conv2d_s8_get_buffer_size tml_armv7em_conv2d_s8_get_buffer_size
#define tml_depthwise_conv2d_s8 tml_armv7em_depthwise_conv2d_s8
#define tml_depthwise_conv2d_s8_get_buffer_size tml_armv7em_depthwise_conv2d_s8_get_buffer_size
#define tml_fully_connected_s8 tml_armv7em_fully_connected_s8
#define tml_fully_connected_s8_get_buffer_size tml_armv7em_fully_connected_s8_get_buffer_size
#define tml_conv2d_s16 tml_armv7em_conv2d_s16
#define tml_conv2d_s16_get_buffer_size tml_armv7em_conv2d_s16_get_buffer_size
#define tml_fully_connected_s16 tml_armv7em_fully_connected_s16
#define tml_fully_connected_s16_get_buffer_size tml_armv7em_fully_connected_s16_get_buffer_size
#endif

#endif /* TINYML_TML_KERNELS_ARMV7EM_H */
