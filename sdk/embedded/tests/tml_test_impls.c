/* Reference twins always; optimized twins when CMake compiled them in (TML_TEST_ARMV7EM, TML_TEST_RV32IM).
 * Each architecture file lists its twins with designated initializers; a kernel it leaves out stays NULL. */
#include "tml_test_impls.h"

#define REF_SIZED(NAME) \
  { tml_ref_##NAME, tml_ref_##NAME##_get_buffer_size }

const tml_kernel_impl tml_test_impls[] = {
    {"ref",
     REF_SIZED(conv2d_s8),
     REF_SIZED(conv2d_s16),
     REF_SIZED(depthwise_conv2d_s8),
     REF_SIZED(depthwise_conv2d_s16),
     REF_SIZED(fully_connected_s8),
     REF_SIZED(fully_connected_s16),
     REF_SIZED(fully_connected_per_channel_s8),
     REF_SIZED(fully_connected_per_channel_s16),
     REF_SIZED(avgpool_s8),
     REF_SIZED(avgpool_s16),
     tml_ref_maxpool_s8,
     tml_ref_maxpool_s16,
     tml_ref_add_s8,
     tml_ref_add_s16,
     tml_ref_mul_s8,
     tml_ref_mul_s16,
     tml_ref_softmax_s8,
     tml_ref_softmax_s8_s16,
     tml_ref_softmax_s16,
     tml_ref_logistic_s8,
     tml_ref_tanh_s8,
     tml_ref_logistic_s16,
     tml_ref_tanh_s16,
     tml_ref_relu_s8,
     tml_ref_relu_s16,
     tml_ref_mean_s8,
     tml_ref_mean_s16,
     tml_ref_pad_s8,
     tml_ref_pad_s16,
     tml_ref_concat_s8,
     tml_ref_concat_s16,
     tml_ref_reshape_s8,
     tml_ref_reshape_s16,
     tml_ref_quantize_f32_s8,
     tml_ref_quantize_f32_s16,
     tml_ref_dequantize_s8_f32,
     tml_ref_dequantize_s16_f32,
     tml_ref_requantize_s8_s8,
     tml_ref_requantize_s8_s16,
     tml_ref_requantize_s16_s8,
     tml_ref_requantize_s16_s16},
#ifdef TML_TEST_ARMV7EM
#include "tml_test_impls_armv7em.inc"
#endif
#ifdef TML_TEST_RV32IM
#include "tml_test_impls_rv32im.inc"
#endif
};

const size_t tml_test_num_impls = sizeof(tml_test_impls) / sizeof(tml_test_impls[0]);
