/* The kernel twins one test binary holds (test-only; GNU C __typeof__ keeps the table in step with the
 * header). A NULL entry: that architecture has no twin of the kernel. Hand-written: add a kernel's slot here and
 * in tml_test_impls.c. */
#ifndef TINYML_TESTS_TML_TEST_IMPLS_H
#define TINYML_TESTS_TML_TEST_IMPLS_H

#include <stddef.h>

#include "tinyml/tml_kernels.h"

typedef struct {
  const char *name;
  struct {
    __typeof__(&tml_ref_conv2d_s8) run;
    __typeof__(&tml_ref_conv2d_s8_get_buffer_size) size;
  } conv2d_s8;
  struct {
    __typeof__(&tml_ref_conv2d_s16) run;
    __typeof__(&tml_ref_conv2d_s16_get_buffer_size) size;
  } conv2d_s16;
  struct {
    __typeof__(&tml_ref_depthwise_conv2d_s8) run;
    __typeof__(&tml_ref_depthwise_conv2d_s8_get_buffer_size) size;
  } depthwise_conv2d_s8;
  struct {
    __typeof__(&tml_ref_depthwise_conv2d_s16) run;
    __typeof__(&tml_ref_depthwise_conv2d_s16_get_buffer_size) size;
  } depthwise_conv2d_s16;
  struct {
    __typeof__(&tml_ref_fully_connected_s8) run;
    __typeof__(&tml_ref_fully_connected_s8_get_buffer_size) size;
  } fully_connected_s8;
  struct {
    __typeof__(&tml_ref_fully_connected_s16) run;
    __typeof__(&tml_ref_fully_connected_s16_get_buffer_size) size;
  } fully_connected_s16;
  struct {
    __typeof__(&tml_ref_fully_connected_per_channel_s8) run;
    __typeof__(&tml_ref_fully_connected_per_channel_s8_get_buffer_size) size;
  } fully_connected_per_channel_s8;
  struct {
    __typeof__(&tml_ref_fully_connected_per_channel_s16) run;
    __typeof__(&tml_ref_fully_connected_per_channel_s16_get_buffer_size) size;
  } fully_connected_per_channel_s16;
  struct {
    __typeof__(&tml_ref_avgpool_s8) run;
    __typeof__(&tml_ref_avgpool_s8_get_buffer_size) size;
  } avgpool_s8;
  struct {
    __typeof__(&tml_ref_avgpool_s16) run;
    __typeof__(&tml_ref_avgpool_s16_get_buffer_size) size;
  } avgpool_s16;
  __typeof__(&tml_ref_maxpool_s8) maxpool_s8;
  __typeof__(&tml_ref_maxpool_s16) maxpool_s16;
  __typeof__(&tml_ref_add_s8) add_s8;
  __typeof__(&tml_ref_add_s16) add_s16;
  __typeof__(&tml_ref_mul_s8) mul_s8;
  __typeof__(&tml_ref_mul_s16) mul_s16;
  __typeof__(&tml_ref_softmax_s8) softmax_s8;
  __typeof__(&tml_ref_softmax_s8_s16) softmax_s8_s16;
  __typeof__(&tml_ref_softmax_s16) softmax_s16;
  __typeof__(&tml_ref_logistic_s8) logistic_s8;
  __typeof__(&tml_ref_tanh_s8) tanh_s8;
  __typeof__(&tml_ref_logistic_s16) logistic_s16;
  __typeof__(&tml_ref_tanh_s16) tanh_s16;
  __typeof__(&tml_ref_relu_s8) relu_s8;
  __typeof__(&tml_ref_relu_s16) relu_s16;
  __typeof__(&tml_ref_mean_s8) mean_s8;
  __typeof__(&tml_ref_mean_s16) mean_s16;
  __typeof__(&tml_ref_pad_s8) pad_s8;
  __typeof__(&tml_ref_pad_s16) pad_s16;
  __typeof__(&tml_ref_concat_s8) concat_s8;
  __typeof__(&tml_ref_concat_s16) concat_s16;
  __typeof__(&tml_ref_reshape_s8) reshape_s8;
  __typeof__(&tml_ref_reshape_s16) reshape_s16;
  __typeof__(&tml_ref_quantize_f32_s8) quantize_f32_s8;
  __typeof__(&tml_ref_quantize_f32_s16) quantize_f32_s16;
  __typeof__(&tml_ref_dequantize_s8_f32) dequantize_s8_f32;
  __typeof__(&tml_ref_dequantize_s16_f32) dequantize_s16_f32;
  __typeof__(&tml_ref_requantize_s8_s8) requantize_s8_s8;
  __typeof__(&tml_ref_requantize_s8_s16) requantize_s8_s16;
  __typeof__(&tml_ref_requantize_s16_s8) requantize_s16_s8;
  __typeof__(&tml_ref_requantize_s16_s16) requantize_s16_s16;
} tml_kernel_impl;

extern const tml_kernel_impl tml_test_impls[];
extern const size_t tml_test_num_impls;

#endif
