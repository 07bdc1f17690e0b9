/* Generated list (keep in step with tml_kernels.h): public name -> reference twin unless an architecture
 * header defined it first. */
#ifndef TINYML_TML_KERNELS_DISPATCH_H
#define TINYML_TML_KERNELS_DISPATCH_H

#ifndef tml_conv2d_s8
#define tml_conv2d_s8 tml_ref_conv2d_s8
#endif
#ifndef tml_conv2d_s8_get_buffer_size
#define tml_conv2d_s8_get_buffer_size tml_ref_conv2d_s8_get_buffer_size
#endif
#ifndef tml_conv2d_s16
#define tml_conv2d_s16 tml_ref_conv2d_s16
#endif
#ifndef tml_conv2d_s16_get_buffer_size
#define tml_conv2d_s16_get_buffer_size tml_ref_conv2d_s16_get_buffer_size
#endif
#ifndef tml_depthwise_conv2d_s8
#define tml_depthwise_conv2d_s8 tml_ref_depthwise_conv2d_s8
#endif
#ifndef tml_depthwise_conv2d_s8_get_buffer_size
#define tml_depthwise_conv2d_s8_get_buffer_size tml_ref_depthwise_conv2d_s8_get_buffer_size
#endif
#ifndef tml_depthwise_conv2d_s16
#define tml_depthwise_conv2d_s16 tml_ref_depthwise_conv2d_s16
#endif
#ifndef tml_depthwise_conv2d_s16_get_buffer_size
#define tml_depthwise_conv2d_s16_get_buffer_size tml_ref_depthwise_conv2d_s16_get_buffer_size
#endif
#ifndef tml_fully_connected_s8
#define tml_fully_connected_s8 tml_ref_fully_connected_s8
#endif
#ifndef tml_fully_connected_s8_get_buffer_size
#define tml_fully_connected_s8_get_buffer_size tml_ref_fully_connected_s8_get_buffer_size
#endif
#ifndef tml_fully_connected_s16
#define tml_fully_connected_s16 tml_ref_fully_connected_s16
#endif
#ifndef tml_fully_connected_s16_get_buffer_size
#define tml_fully_connected_s16_get_buffer_size tml_ref_fully_connected_s16_get_buffer_size
#endif
#ifndef tml_avgpool_s8
#define tml_avgpool_s8 tml_ref_avgpool_s8
#endif
#ifndef tml_avgpool_s8_get_buffer_size
#define tml_avgpool_s8_get_buffer_size tml_ref_avgpool_s8_get_buffer_size
#endif
#ifndef tml_avgpool_s16
#define tml_avgpool_s16 tml_ref_avgpool_s16
#endif
#ifndef tml_avgpool_s16_get_buffer_size
#define tml_avgpool_s16_get_buffer_size tml_ref_avgpool_s16_get_buffer_size
#endif
#ifndef tml_maxpool_s8
#define tml_maxpool_s8 tml_ref_maxpool_s8
#endif
#ifndef tml_maxpool_s16
#define tml_maxpool_s16 tml_ref_maxpool_s16
#endif
#ifndef tml_add_s8
#define tml_add_s8 tml_ref_add_s8
#endif
#ifndef tml_add_s16
#define tml_add_s16 tml_ref_add_s16
#endif
#ifndef tml_mul_s8
#define tml_mul_s8 tml_ref_mul_s8
#endif
#ifndef tml_mul_s16
#define tml_mul_s16 tml_ref_mul_s16
#endif
#ifndef tml_softmax_s8
#define tml_softmax_s8 tml_ref_softmax_s8
#endif
#ifndef tml_softmax_s8_s16
#define tml_softmax_s8_s16 tml_ref_softmax_s8_s16
#endif
#ifndef tml_softmax_s16
#define tml_softmax_s16 tml_ref_softmax_s16
#endif
#ifndef tml_logistic_s8
#define tml_logistic_s8 tml_ref_logistic_s8
#endif
#ifndef tml_tanh_s8
#define tml_tanh_s8 tml_ref_tanh_s8
#endif
#ifndef tml_mean_s8
#define tml_mean_s8 tml_ref_mean_s8
#endif
#ifndef tml_mean_s16
#define tml_mean_s16 tml_ref_mean_s16
#endif
#ifndef tml_pad_s8
#define tml_pad_s8 tml_ref_pad_s8
#endif
#ifndef tml_pad_s16
#define tml_pad_s16 tml_ref_pad_s16
#endif
#ifndef tml_concat_s8
#define tml_concat_s8 tml_ref_concat_s8
#endif
#ifndef tml_concat_s16
#define tml_concat_s16 tml_ref_concat_s16
#endif
#ifndef tml_reshape_s8
#define tml_reshape_s8 tml_ref_reshape_s8
#endif
#ifndef tml_reshape_s16
#define tml_reshape_s16 tml_ref_reshape_s16
#endif
#ifndef tml_quantize_f32_s8
#define tml_quantize_f32_s8 tml_ref_quantize_f32_s8
#endif
#ifndef tml_quantize_f32_s16
#define tml_quantize_f32_s16 tml_ref_quantize_f32_s16
#endif
#ifndef tml_dequantize_s8_f32
#define tml_dequantize_s8_f32 tml_ref_dequantize_s8_f32
#endif
#ifndef tml_dequantize_s16_f32
#define tml_dequantize_s16_f32 tml_ref_dequantize_s16_f32
#endif
#ifndef tml_requantize_s8_s8
#define tml_requantize_s8_s8 tml_ref_requantize_s8_s8
#endif
#ifndef tml_requantize_s8_s16
#define tml_requantize_s8_s16 tml_ref_requantize_s8_s16
#endif
#ifndef tml_requantize_s16_s8
#define tml_requantize_s16_s8 tml_ref_requantize_s16_s8
#endif

#ifndef tml_requantize_s16_s16
#define tml_requantize_s16_s16 tml_ref_requantize_s16_s16
#endif

#ifndef tml_logistic_s16
#define tml_logistic_s16 tml_ref_logistic_s16
#endif
#ifndef tml_tanh_s16
#define tml_tanh_s16 tml_ref_tanh_s16
#endif

#ifndef tml_fully_connected_per_channel_s8
#define tml_fully_connected_per_channel_s8 tml_ref_fully_connected_per_channel_s8
#endif
#ifndef tml_fully_connected_per_channel_s8_get_buffer_size
#define tml_fully_connected_per_channel_s8_get_buffer_size tml_ref_fully_connected_per_channel_s8_get_buffer_size
#endif
#ifndef tml_fully_connected_per_channel_s16
#define tml_fully_connected_per_channel_s16 tml_ref_fully_connected_per_channel_s16
#endif
#ifndef tml_fully_connected_per_channel_s16_get_buffer_size
#define tml_fully_connected_per_channel_s16_get_buffer_size tml_ref_fully_connected_per_channel_s16_get_buffer_size
#endif

#ifndef tml_relu_s8
#define tml_relu_s8 tml_ref_relu_s8
#endif
#ifndef tml_relu_s16
#define tml_relu_s16 tml_ref_relu_s16
#endif

#endif /* TINYML_TML_KERNELS_DISPATCH_H */
