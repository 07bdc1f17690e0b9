/*
 * Golden test of the kernels: for every vector make_goldens.py wrote (TFLite Micro's reference output for a
 * random single-op model or a layer of a fixture model), run every twin of the kernel compiled into this
 * binary (reference, and the optimized ones built for this target or as portable C) and compare the output
 * bytes exactly. The output buffer carries guard bytes on both sides, and the scratch buffer is exactly
 * _get_buffer_size bytes, so a kernel writing out of bounds fails too.
 *
 *     tml_golden_test [--bench PREFIX] GOLDENS_DIR [KERNEL...]   (default: every kernel in kernels.txt)
 *
 * Prints one line per kernel and implementation (vectors passed) and, for a failure, the op, the case and the
 * first mismatching index. Exit status 0 only when every vector of every requested kernel passed, and at
 * least one vector ran for each.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tinyml/tml_kernels.h"
#include "tml_test_impls.h"
#include "tml_test_platform.h"
#include "tml_vector.h"

#define GUARD 16
#define GUARD_BYTE 0xA5

typedef struct {
  unsigned char *block;
  void *data;
  size_t bytes;
} guarded_buffer;

static guarded_buffer guarded_alloc(size_t bytes) {
  guarded_buffer g;
  g.bytes = bytes;
  g.block = (unsigned char *)tml_test_alloc(bytes + 2 * GUARD + 8);
  if (!g.block) {
    tml_test_print("test arena exhausted\n");
    tml_test_exit(2);
  }
  memset(g.block, GUARD_BYTE, bytes + 2 * GUARD + 8);
  g.data = g.block + GUARD;
  return g;
}

static int guards_intact(const guarded_buffer *g) {
  size_t i;
  for (i = 0; i < GUARD; ++i) {
    if (g->block[i] != GUARD_BYTE || g->block[GUARD + g->bytes + i] != GUARD_BYTE) return 0;
  }
  return 1;
}

static tml_dims dims_of(const tml_vector *v, const char *name) {
  tml_dims d;
  d.n = tml_vector_i32(v, name, 0);
  d.h = tml_vector_i32(v, name, 1);
  d.w = tml_vector_i32(v, name, 2);
  d.c = tml_vector_i32(v, name, 3);
  return d;
}

static tml_tile tile_of(const tml_vector *v, const char *name) {
  tml_tile t;
  t.h = tml_vector_i32(v, name, 0);
  t.w = tml_vector_i32(v, name, 1);
  return t;
}

static tml_activation act_of(const tml_vector *v) {
  tml_activation a;
  a.min = tml_vector_i32(v, "act", 0);
  a.max = tml_vector_i32(v, "act", 1);
  return a;
}

static const void *data_of(const tml_vector *v, const char *name, int32_t type) {
  return tml_vector_get(v, name, type)->data;
}

static const void *optional_data(const tml_vector *v, const char *name) {
  const tml_field *f = tml_vector_find(v, name);
  return f ? f->data : NULL;
}

/* One kernel twin run on one vector: writes the output, returns the kernel's status. scratch is sized by the
 * caller from the twin's _get_buffer_size (through the size callback). */
typedef tml_status (*run_fn)(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out);
typedef int32_t (*size_fn)(const tml_vector *v, const tml_kernel_impl *impl);

/* ----- convolutions ------------------------------------------------------------------------------------ */
static tml_conv_params conv_params(const tml_vector *v) {
  tml_conv_params p;
  p.input_offset = tml_vector_i32(v, "in_offset", 0);
  p.output_offset = tml_vector_i32(v, "out_offset", 0);
  p.stride = tile_of(v, "stride");
  p.padding = tile_of(v, "padding");
  p.dilation = tile_of(v, "dilation");
  p.activation = act_of(v);
  return p;
}

static tml_dw_conv_params dw_params(const tml_vector *v) {
  tml_dw_conv_params p;
  p.input_offset = tml_vector_i32(v, "in_offset", 0);
  p.output_offset = tml_vector_i32(v, "out_offset", 0);
  p.depth_multiplier = tml_vector_i32(v, "depth_mult", 0);
  p.stride = tile_of(v, "stride");
  p.padding = tile_of(v, "padding");
  p.dilation = tile_of(v, "dilation");
  p.activation = act_of(v);
  return p;
}

static tml_per_channel_quant_params per_channel(const tml_vector *v) {
  tml_per_channel_quant_params q;
  q.multiplier = (const int32_t *)data_of(v, "mult", TML_VT_I32);
  q.shift = (const int32_t *)data_of(v, "shift", TML_VT_I32);
  return q;
}

#define CONV_RUNNERS(NAME, FIELD, PARAMS, PFN, IN_T, IN_VT, BIAS_T, OUT_T)                                      \
  static int32_t size_##NAME(const tml_vector *v, const tml_kernel_impl *impl) {                                \
    const PFN p = PARAMS(v);                                                                                    \
    const tml_dims in = dims_of(v, "in_dims"), f = dims_of(v, "filter_dims"), o = dims_of(v, "out_dims");       \
    return impl->FIELD.size(&p, &in, &f, &o);                                                                   \
  }                                                                                                             \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    const PFN p = PARAMS(v);                                                                                    \
    const tml_per_channel_quant_params q = per_channel(v);                                                      \
    const tml_dims in = dims_of(v, "in_dims"), f = dims_of(v, "filter_dims"), o = dims_of(v, "out_dims");       \
    return impl->FIELD.run(ctx, &p, &q, &in, (const IN_T *)data_of(v, "input", IN_VT), &f,                      \
                           (const int8_t *)data_of(v, "filter", TML_VT_I8),                                     \
                           (const BIAS_T *)optional_data(v, "bias"), &o, (OUT_T *)out);                         \
  }

CONV_RUNNERS(conv2d_s8, conv2d_s8, conv_params, tml_conv_params, int8_t, TML_VT_I8, int32_t, int8_t)
CONV_RUNNERS(conv2d_s16, conv2d_s16, conv_params, tml_conv_params, int16_t, TML_VT_I16, int64_t, int16_t)
CONV_RUNNERS(depthwise_conv2d_s8, depthwise_conv2d_s8, dw_params, tml_dw_conv_params, int8_t, TML_VT_I8, int32_t,
             int8_t)
CONV_RUNNERS(depthwise_conv2d_s16, depthwise_conv2d_s16, dw_params, tml_dw_conv_params, int16_t, TML_VT_I16,
             int64_t, int16_t)

/* ----- fully connected --------------------------------------------------------------------------------- */
#define FC_RUNNERS(NAME, IN_T, IN_VT, BIAS_T, OUT_T)                                                            \
  static int32_t size_##NAME(const tml_vector *v, const tml_kernel_impl *impl) {                                \
    const tml_dims f = dims_of(v, "filter_dims");                                                               \
    return impl->NAME.size(&f);                                                                                 \
  }                                                                                                             \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_fc_params p;                                                                                            \
    tml_per_tensor_quant_params q;                                                                              \
    const tml_dims in = dims_of(v, "in_dims"), f = dims_of(v, "filter_dims"), o = dims_of(v, "out_dims");       \
    p.input_offset = tml_vector_i32(v, "in_offset", 0);                                                         \
    p.filter_offset = tml_vector_i32(v, "filter_offset", 0);                                                    \
    p.output_offset = tml_vector_i32(v, "out_offset", 0);                                                       \
    p.activation = act_of(v);                                                                                   \
    q.multiplier = tml_vector_i32(v, "mult", 0);                                                                \
    q.shift = tml_vector_i32(v, "shift", 0);                                                                    \
    return impl->NAME.run(ctx, &p, &q, &in, (const IN_T *)data_of(v, "input", IN_VT), &f,                       \
                          (const int8_t *)data_of(v, "filter", TML_VT_I8),                                      \
                          (const BIAS_T *)optional_data(v, "bias"), &o, (OUT_T *)out);                          \
  }

FC_RUNNERS(fully_connected_s8, int8_t, TML_VT_I8, int32_t, int8_t)
FC_RUNNERS(fully_connected_s16, int16_t, TML_VT_I16, int64_t, int16_t)

#define FC_PC_RUNNERS(NAME, IN_T, IN_VT, BIAS_T, OUT_T)                                                         \
  static int32_t size_##NAME(const tml_vector *v, const tml_kernel_impl *impl) {                                \
    const tml_dims f = dims_of(v, "filter_dims");                                                               \
    return impl->NAME.size(&f);                                                                                 \
  }                                                                                                             \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_fc_params p;                                                                                            \
    const tml_per_channel_quant_params q = per_channel(v);                                                      \
    const tml_dims in = dims_of(v, "in_dims"), f = dims_of(v, "filter_dims"), o = dims_of(v, "out_dims");       \
    p.input_offset = tml_vector_i32(v, "in_offset", 0);                                                         \
    p.filter_offset = tml_vector_i32(v, "filter_offset", 0);                                                    \
    p.output_offset = tml_vector_i32(v, "out_offset", 0);                                                       \
    p.activation = act_of(v);                                                                                   \
    return impl->NAME.run(ctx, &p, &q, &in, (const IN_T *)data_of(v, "input", IN_VT), &f,                       \
                          (const int8_t *)data_of(v, "filter", TML_VT_I8),                                      \
                          (const BIAS_T *)optional_data(v, "bias"), &o, (OUT_T *)out);                          \
  }

FC_PC_RUNNERS(fully_connected_per_channel_s8, int8_t, TML_VT_I8, int32_t, int8_t)
FC_PC_RUNNERS(fully_connected_per_channel_s16, int16_t, TML_VT_I16, int64_t, int16_t)

/* ----- pooling ----------------------------------------------------------------------------------------- */
static tml_pool_params pool_params(const tml_vector *v) {
  tml_pool_params p;
  p.stride = tile_of(v, "stride");
  p.padding = tile_of(v, "padding");
  p.activation = act_of(v);
  return p;
}

#define AVGPOOL_RUNNERS(NAME, T, VT)                                                                            \
  static int32_t size_##NAME(const tml_vector *v, const tml_kernel_impl *impl) {                                \
    const tml_dims in = dims_of(v, "in_dims"), o = dims_of(v, "out_dims");                                      \
    return impl->NAME.size(&in, &o);                                                                            \
  }                                                                                                             \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    const tml_pool_params p = pool_params(v);                                                                   \
    const tml_dims in = dims_of(v, "in_dims"), f = dims_of(v, "filter_dims"), o = dims_of(v, "out_dims");       \
    return impl->NAME.run(ctx, &p, &in, (const T *)data_of(v, "input", VT), &f, &o, (T *)out);                  \
  }
AVGPOOL_RUNNERS(avgpool_s8, int8_t, TML_VT_I8)
AVGPOOL_RUNNERS(avgpool_s16, int16_t, TML_VT_I16)

#define MAXPOOL_RUNNER(NAME, T, VT)                                                                             \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    const tml_pool_params p = pool_params(v);                                                                   \
    const tml_dims in = dims_of(v, "in_dims"), f = dims_of(v, "filter_dims"), o = dims_of(v, "out_dims");       \
    (void)ctx;                                                                                                  \
    return impl->NAME(&p, &in, (const T *)data_of(v, "input", VT), &f, &o, (T *)out);                           \
  }
MAXPOOL_RUNNER(maxpool_s8, int8_t, TML_VT_I8)
MAXPOOL_RUNNER(maxpool_s16, int16_t, TML_VT_I16)

/* ----- elementwise ------------------------------------------------------------------------------------- */
#define ADD_RUNNER(NAME, T, VT)                                                                                 \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_add_params p;                                                                                           \
    const tml_dims a = dims_of(v, "in1_dims"), b = dims_of(v, "in2_dims"), o = dims_of(v, "out_dims");          \
    (void)ctx;                                                                                                  \
    p.input1_offset = tml_vector_i32(v, "params", 0);                                                           \
    p.input2_offset = tml_vector_i32(v, "params", 1);                                                           \
    p.output_offset = tml_vector_i32(v, "params", 2);                                                           \
    p.left_shift = tml_vector_i32(v, "params", 3);                                                              \
    p.input1_multiplier = tml_vector_i32(v, "params", 4);                                                       \
    p.input1_shift = tml_vector_i32(v, "params", 5);                                                            \
    p.input2_multiplier = tml_vector_i32(v, "params", 6);                                                       \
    p.input2_shift = tml_vector_i32(v, "params", 7);                                                            \
    p.output_multiplier = tml_vector_i32(v, "params", 8);                                                       \
    p.output_shift = tml_vector_i32(v, "params", 9);                                                            \
    p.activation = act_of(v);                                                                                   \
    return impl->NAME(&p, &a, (const T *)data_of(v, "input", VT), &b, (const T *)data_of(v, "input2", VT), &o,  \
                      (T *)out);                                                                                \
  }
ADD_RUNNER(add_s8, int8_t, TML_VT_I8)
ADD_RUNNER(add_s16, int16_t, TML_VT_I16)

#define MUL_RUNNER(NAME, T, VT)                                                                                 \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_mul_params p;                                                                                           \
    const tml_dims a = dims_of(v, "in1_dims"), b = dims_of(v, "in2_dims"), o = dims_of(v, "out_dims");          \
    (void)ctx;                                                                                                  \
    p.input1_offset = tml_vector_i32(v, "params", 0);                                                           \
    p.input2_offset = tml_vector_i32(v, "params", 1);                                                           \
    p.output_offset = tml_vector_i32(v, "params", 2);                                                           \
    p.output_multiplier = tml_vector_i32(v, "params", 3);                                                       \
    p.output_shift = tml_vector_i32(v, "params", 4);                                                            \
    p.activation = act_of(v);                                                                                   \
    return impl->NAME(&p, &a, (const T *)data_of(v, "input", VT), &b, (const T *)data_of(v, "input2", VT), &o,  \
                      (T *)out);                                                                                \
  }
MUL_RUNNER(mul_s8, int8_t, TML_VT_I8)
MUL_RUNNER(mul_s16, int16_t, TML_VT_I16)

/* ----- softmax, logistic, tanh ------------------------------------------------------------------------- */
static tml_softmax_params softmax_params(const tml_vector *v) {
  tml_softmax_params p;
  p.input_multiplier = tml_vector_i32(v, "params", 0);
  p.input_left_shift = tml_vector_i32(v, "params", 1);
  p.diff_min = tml_vector_i32(v, "params", 2);
  return p;
}

static tml_status run_softmax_s8(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) {
  const tml_softmax_params p = softmax_params(v);
  (void)ctx;
  return impl->softmax_s8(&p, tml_vector_i32(v, "rows", 0), tml_vector_i32(v, "rows", 1),
                          (const int8_t *)data_of(v, "input", TML_VT_I8), (int8_t *)out);
}

static tml_status run_softmax_s8_s16(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx,
                                     void *out) {
  const tml_softmax_params p = softmax_params(v);
  (void)ctx;
  return impl->softmax_s8_s16(&p, tml_vector_i32(v, "rows", 0), tml_vector_i32(v, "rows", 1),
                              (const int8_t *)data_of(v, "input", TML_VT_I8), (int16_t *)out);
}

static float exp_f(float x) {
  return expf(x);
}
static float one_over_one_plus_x_f(float x) {
  return 1.0f / (1.0f + x);
}

static tml_status run_softmax_s16(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) {
  static int16_t exp_lut[513], recip_lut[513];
  tml_softmax_s16_params p;
  (void)ctx;
  tml_gen_lut_s16(exp_f, -10.0f, 0.0f, -1.0f, 1.0f, exp_lut);
  tml_gen_lut_s16(one_over_one_plus_x_f, 0.0f, 1.0f, -1.0f, 1.0f, recip_lut);
  p.input_multiplier = tml_vector_i32(v, "params", 0);
  p.input_left_shift = tml_vector_i32(v, "params", 1);
  p.exp_lut = exp_lut;
  p.one_over_one_plus_x_lut = recip_lut;
  return impl->softmax_s16(&p, tml_vector_i32(v, "rows", 0), tml_vector_i32(v, "rows", 1),
                           (const int16_t *)data_of(v, "input", TML_VT_I16), (int16_t *)out);
}

#define SIGMOID_RUNNER(NAME)                                                                                    \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_sigmoid_params p;                                                                                       \
    const tml_field *in = tml_vector_get(v, "input", TML_VT_I8);                                                \
    (void)ctx;                                                                                                  \
    p.input_zero_point = tml_vector_i32(v, "params", 0);                                                        \
    p.input_range_radius = tml_vector_i32(v, "params", 1);                                                      \
    p.input_multiplier = tml_vector_i32(v, "params", 2);                                                        \
    p.input_left_shift = tml_vector_i32(v, "params", 3);                                                        \
    return impl->NAME(&p, in->count, (const int8_t *)in->data, (int8_t *)out);                                  \
  }
SIGMOID_RUNNER(logistic_s8)
SIGMOID_RUNNER(tanh_s8)

#define SIGMOID_S16_RUNNER(NAME)                                                                                \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_sigmoid_s16_params p;                                                                                   \
    const tml_field *in = tml_vector_get(v, "input", TML_VT_I16);                                               \
    (void)ctx;                                                                                                  \
    p.input_multiplier = tml_vector_i32(v, "params", 0);                                                        \
    p.input_left_shift = tml_vector_i32(v, "params", 1);                                                        \
    return impl->NAME(&p, in->count, (const int16_t *)in->data, (int16_t *)out);                                \
  }
SIGMOID_S16_RUNNER(logistic_s16)
SIGMOID_S16_RUNNER(tanh_s16)

#define RELU_RUNNER(NAME, T, VT)                                                                                \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_relu_params p;                                                                                          \
    const tml_field *in = tml_vector_get(v, "input", VT);                                                       \
    (void)ctx;                                                                                                  \
    p.input_zero_point = tml_vector_i32(v, "params", 0);                                                        \
    p.output_zero_point = tml_vector_i32(v, "params", 1);                                                       \
    p.multiplier = tml_vector_i32(v, "params", 2);                                                              \
    p.shift = tml_vector_i32(v, "params", 3);                                                                   \
    p.activation.min = tml_vector_i32(v, "params", 4);                                                          \
    p.activation.max = tml_vector_i32(v, "params", 5);                                                          \
    return impl->NAME(&p, in->count, (const T *)in->data, (T *)out);                                            \
  }
RELU_RUNNER(relu_s8, int8_t, TML_VT_I8)
RELU_RUNNER(relu_s16, int16_t, TML_VT_I16)

/* ----- mean, pad, concat, reshape ---------------------------------------------------------------------- */
#define MEAN_RUNNER(NAME, T, VT)                                                                                \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_mean_params p;                                                                                          \
    const tml_dims in = dims_of(v, "in_dims"), o = dims_of(v, "out_dims");                                      \
    (void)ctx;                                                                                                  \
    p.same_quantization = tml_vector_i32(v, "params", 0);                                                       \
    p.input_zero_point = tml_vector_i32(v, "params", 1);                                                        \
    p.output_zero_point = tml_vector_i32(v, "params", 2);                                                       \
    p.multiplier = tml_vector_i32(v, "params", 3);                                                              \
    p.shift = tml_vector_i32(v, "params", 4);                                                                   \
    return impl->NAME(&p, &in, (const T *)data_of(v, "input", VT), &o, (T *)out);                               \
  }
MEAN_RUNNER(mean_s8, int8_t, TML_VT_I8)
MEAN_RUNNER(mean_s16, int16_t, TML_VT_I16)

#define PAD_RUNNER(NAME, T, VT)                                                                                 \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_pad_params p;                                                                                           \
    const tml_dims in = dims_of(v, "in_dims"), o = dims_of(v, "out_dims");                                      \
    (void)ctx;                                                                                                  \
    p.before = dims_of(v, "before");                                                                            \
    p.after = dims_of(v, "after");                                                                              \
    return impl->NAME(&p, &in, (const T *)data_of(v, "input", VT), (T)tml_vector_i32(v, "pad_value", 0), &o,    \
                      (T *)out);                                                                                \
  }
PAD_RUNNER(pad_s8, int8_t, TML_VT_I8)
PAD_RUNNER(pad_s16, int16_t, TML_VT_I16)

#define CONCAT_RUNNER(NAME, T, VT)                                                                              \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    const tml_field *sizes = tml_vector_get(v, "sizes", TML_VT_I32);                                            \
    const T *inputs[16];                                                                                        \
    int32_t axis_sizes[16];                                                                                     \
    int32_t n = sizes->count - 2, i;                                                                            \
    char name[16];                                                                                              \
    (void)ctx;                                                                                                  \
    if (n > 16) return TML_ERROR_ARGUMENT;                                                                      \
    for (i = 0; i < n; ++i) {                                                                                   \
      sprintf(name, "input%d", (int)i);                                                                         \
      inputs[i] = (const T *)data_of(v, name, VT);                                                              \
      axis_sizes[i] = tml_vector_i32(v, "sizes", 2 + i);                                                        \
    }                                                                                                           \
    return impl->NAME(n, inputs, axis_sizes, tml_vector_i32(v, "sizes", 0), tml_vector_i32(v, "sizes", 1),      \
                      (T *)out);                                                                                \
  }
CONCAT_RUNNER(concat_s8, int8_t, TML_VT_I8)
CONCAT_RUNNER(concat_s16, int16_t, TML_VT_I16)

#define RESHAPE_RUNNER(NAME, T, VT)                                                                             \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    const tml_field *in = tml_vector_get(v, "input", VT);                                                       \
    (void)ctx;                                                                                                  \
    return impl->NAME(in->count, (const T *)in->data, (T *)out);                                                \
  }
RESHAPE_RUNNER(reshape_s8, int8_t, TML_VT_I8)
RESHAPE_RUNNER(reshape_s16, int16_t, TML_VT_I16)

/* ----- type conversions -------------------------------------------------------------------------------- */
#define AFFINE_RUNNER(NAME, IN_T, IN_VT, OUT_T)                                                                 \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_affine_params p;                                                                                        \
    const tml_field *in = tml_vector_get(v, "input", IN_VT);                                                    \
    (void)ctx;                                                                                                  \
    p.scale = *(const float *)data_of(v, "params_f", TML_VT_F32);                                               \
    p.zero_point = tml_vector_i32(v, "params", 0);                                                              \
    return impl->NAME(&p, in->count, (const IN_T *)in->data, (OUT_T *)out);                                     \
  }
AFFINE_RUNNER(quantize_f32_s8, float, TML_VT_F32, int8_t)
AFFINE_RUNNER(quantize_f32_s16, float, TML_VT_F32, int16_t)
AFFINE_RUNNER(dequantize_s8_f32, int8_t, TML_VT_I8, float)
AFFINE_RUNNER(dequantize_s16_f32, int16_t, TML_VT_I16, float)

#define REQUANT_RUNNER(NAME, IN_T, IN_VT, OUT_T)                                                                \
  static tml_status run_##NAME(const tml_vector *v, const tml_kernel_impl *impl, tml_context *ctx, void *out) { \
    tml_requantize_params p;                                                                                    \
    const tml_field *in = tml_vector_get(v, "input", IN_VT);                                                    \
    (void)ctx;                                                                                                  \
    p.input_zero_point = tml_vector_i32(v, "params", 0);                                                        \
    p.output_zero_point = tml_vector_i32(v, "params", 1);                                                       \
    p.multiplier = tml_vector_i32(v, "params", 2);                                                              \
    p.shift = tml_vector_i32(v, "params", 3);                                                                   \
    return impl->NAME(&p, in->count, (const IN_T *)in->data, (OUT_T *)out);                                     \
  }
REQUANT_RUNNER(requantize_s8_s8, int8_t, TML_VT_I8, int8_t)
REQUANT_RUNNER(requantize_s8_s16, int8_t, TML_VT_I8, int16_t)
REQUANT_RUNNER(requantize_s16_s8, int16_t, TML_VT_I16, int8_t)
REQUANT_RUNNER(requantize_s16_s16, int16_t, TML_VT_I16, int16_t)

/* ----- registry ---------------------------------------------------------------------------------------- */
typedef struct {
  const char *kernel;
  run_fn run;
  size_fn size;       /* NULL: the kernel takes no scratch */
  size_t impl_offset; /* where tml_kernel_impl holds this kernel; a NULL pointer there: no such twin */
} kernel_entry;

#define ENTRY(NAME, SIZE) \
  { #NAME, run_##NAME, SIZE, offsetof(tml_kernel_impl, NAME) }
static const kernel_entry kernels[] = {
    ENTRY(conv2d_s8, size_conv2d_s8),
    ENTRY(conv2d_s16, size_conv2d_s16),
    ENTRY(depthwise_conv2d_s8, size_depthwise_conv2d_s8),
    ENTRY(depthwise_conv2d_s16, size_depthwise_conv2d_s16),
    ENTRY(fully_connected_s8, size_fully_connected_s8),
    ENTRY(fully_connected_s16, size_fully_connected_s16),
    ENTRY(fully_connected_per_channel_s8, size_fully_connected_per_channel_s8),
    ENTRY(fully_connected_per_channel_s16, size_fully_connected_per_channel_s16),
    ENTRY(avgpool_s8, size_avgpool_s8),
    ENTRY(avgpool_s16, size_avgpool_s16),
    ENTRY(maxpool_s8, NULL),
    ENTRY(maxpool_s16, NULL),
    ENTRY(add_s8, NULL),
    ENTRY(add_s16, NULL),
    ENTRY(mul_s8, NULL),
    ENTRY(mul_s16, NULL),
    ENTRY(softmax_s8, NULL),
    ENTRY(softmax_s8_s16, NULL),
    ENTRY(softmax_s16, NULL),
    ENTRY(logistic_s8, NULL),
    ENTRY(tanh_s8, NULL),
    ENTRY(logistic_s16, NULL),
    ENTRY(tanh_s16, NULL),
    ENTRY(relu_s8, NULL),
    ENTRY(relu_s16, NULL),
    ENTRY(mean_s8, NULL),
    ENTRY(mean_s16, NULL),
    ENTRY(pad_s8, NULL),
    ENTRY(pad_s16, NULL),
    ENTRY(concat_s8, NULL),
    ENTRY(concat_s16, NULL),
    ENTRY(reshape_s8, NULL),
    ENTRY(reshape_s16, NULL),
    ENTRY(quantize_f32_s8, NULL),
    ENTRY(quantize_f32_s16, NULL),
    ENTRY(dequantize_s8_f32, NULL),
    ENTRY(dequantize_s16_f32, NULL),
    ENTRY(requantize_s8_s8, NULL),
    ENTRY(requantize_s8_s16, NULL),
    ENTRY(requantize_s16_s8, NULL),
    ENTRY(requantize_s16_s16, NULL),
};

static const kernel_entry *find_kernel(const char *name) {
  size_t i;
  for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); ++i) {
    if (strcmp(kernels[i].kernel, name) == 0) return &kernels[i];
  }
  return NULL;
}

static int has_twin(const kernel_entry *k, const tml_kernel_impl *impl) {
  const void *const *slot = (const void *const *)((const char *)impl + k->impl_offset);
  return *slot != NULL;
}

static unsigned long long last_run_instructions;

/* --bench PREFIX: instructions per twin for the vectors whose case name starts with PREFIX (a model's layers,
 * e.g. kws_), summed per kernel; the table at the end also sums, per kernel, the fastest twin. */
static const char *bench_prefix;
typedef struct {
  const char *kernel;
  const char *impl;
  unsigned long long instructions;
  int layers;
} bench_row;
static bench_row bench_rows[128];
static int num_bench_rows;

static void bench_record(const char *kernel, const char *impl, unsigned long long instructions) {
  int i;
  for (i = 0; i < num_bench_rows; ++i) {
    if (bench_rows[i].kernel == kernel && strcmp(bench_rows[i].impl, impl) == 0) break;
  }
  if (i == num_bench_rows) {
    if (num_bench_rows == 128) return;
    bench_rows[i].kernel = kernel;
    bench_rows[i].impl = impl;
    bench_rows[i].instructions = 0;
    bench_rows[i].layers = 0;
    ++num_bench_rows;
  }
  bench_rows[i].instructions += instructions;
  bench_rows[i].layers += 1;
}

static void bench_report(void) {
  unsigned long long ref_total = 0, best_total = 0;
  int i, j;
  tml_test_print("bench %s: instructions per kernel and twin\n", bench_prefix);
  for (i = 0; i < num_bench_rows; ++i) {
    int first = 1;
    unsigned long long best = bench_rows[i].instructions;
    for (j = 0; j < i; ++j) {
      if (bench_rows[j].kernel == bench_rows[i].kernel) first = 0;
    }
    tml_test_print("  %-22s %-8s %3d layers %12llu\n", bench_rows[i].kernel, bench_rows[i].impl,
                   bench_rows[i].layers, bench_rows[i].instructions);
    if (!first) continue;
    for (j = i; j < num_bench_rows; ++j) {
      if (bench_rows[j].kernel == bench_rows[i].kernel && bench_rows[j].instructions < best) {
        best = bench_rows[j].instructions;
      }
      if (bench_rows[j].kernel == bench_rows[i].kernel && strcmp(bench_rows[j].impl, "ref") == 0) {
        ref_total += bench_rows[j].instructions;
      }
    }
    best_total += best;
  }
  tml_test_print("  total reference %llu, fastest twins %llu\n", ref_total, best_total);
}

/* Runs one vector on one twin; returns 1 when the output bytes equal the golden. */
static int check_vector(const kernel_entry *k, const tml_kernel_impl *impl, const tml_vector *v, const char *kname,
                        const char *case_name) {
  const tml_field *expected = tml_vector_get(v, "expected", tml_vector_find(v, "expected")->type);
  const size_t bytes = tml_field_bytes(expected);
  const int32_t scratch_size = k->size ? k->size(v, impl) : 0;
  const size_t mark = tml_test_mark();
  guarded_buffer out = guarded_alloc(bytes), scratch = guarded_alloc(scratch_size > 0 ? (size_t)scratch_size : 0);
  tml_context ctx;
  tml_status status;
  int ok = 1;
  size_t i;
  if (scratch_size > 0) {
    /* One byte short of _get_buffer_size: the kernel must refuse, not write past the buffer. */
    ctx.buf = scratch.data;
    ctx.size = scratch_size - 1;
    status = k->run(v, impl, &ctx, out.data);
    if (status != TML_ERROR_BUFFER) {
      tml_test_print("FAIL %s [%s] %s: a scratch buffer one byte short gave status %d, not TML_ERROR_BUFFER\n",
                     kname, impl->name, case_name, (int)status);
      tml_test_release(mark);
      return 0;
    }
  }
  ctx.buf = scratch_size > 0 ? scratch.data : NULL;
  ctx.size = scratch_size;
  {
    const unsigned long long t0 = tml_test_instructions();
    status = k->run(v, impl, &ctx, out.data);
    last_run_instructions = tml_test_instructions() - t0;
  }
  if (status != TML_OK) {
    tml_test_print("FAIL %s [%s] %s: status %d\n", kname, impl->name, case_name, (int)status);
    ok = 0;
  } else if (memcmp(out.data, expected->data, bytes) != 0) {
    for (i = 0; i < bytes; ++i) {
      if (((const unsigned char *)out.data)[i] != ((const unsigned char *)expected->data)[i]) break;
    }
    tml_test_print("FAIL %s [%s] %s: first mismatching byte %lu of %lu (element %lu)\n", kname, impl->name,
                   case_name, (unsigned long)i, (unsigned long)bytes,
                   (unsigned long)(i / (bytes / (size_t)expected->count)));
    ok = 0;
  } else if (!guards_intact(&out) || !guards_intact(&scratch)) {
    tml_test_print("FAIL %s [%s] %s: wrote outside its output or scratch buffer\n", kname, impl->name, case_name);
    ok = 0;
  }
  tml_test_release(mark);
  return ok;
}

static char list_bytes[64 * 1024];

static int read_lines(const char *path, char lines[][96], int max) {
  const long size = tml_test_read_file(path, list_bytes, (long)sizeof(list_bytes) - 1);
  int n = 0;
  long i = 0;
  if (size < 0) return -1;
  list_bytes[size] = 0;
  while (i < size && n < max) {
    size_t len = 0;
    while (i < size && list_bytes[i] != '\n' && list_bytes[i] != '\r') {
      if (len < 95) lines[n][len++] = list_bytes[i];
      ++i;
    }
    while (i < size && (list_bytes[i] == '\n' || list_bytes[i] == '\r')) ++i;
    lines[n][len] = 0;
    if (len > 0) ++n;
  }
  return n;
}

static char case_names[512][96];
static char path[1024];

static int test_kernel(const char *dir, const char *kname) {
  const kernel_entry *k = find_kernel(kname);
  int n, c, failures = 0;
  size_t m;
  if (!k) {
    tml_test_print("FAIL %s: no test runner for this kernel\n", kname);
    return 1;
  }
  snprintf(path, sizeof(path), "%.800s/%.60s/index.txt", dir, kname);
  n = read_lines(path, case_names, 512);
  if (n <= 0) {
    tml_test_print("FAIL %s: no vectors in %s\n", kname, path);
    return 1;
  }
  for (m = 0; m < tml_test_num_impls; ++m) {
    const tml_kernel_impl *impl = &tml_test_impls[m];
    int passed = 0;
    if (!has_twin(k, impl)) continue;
    for (c = 0; c < n; ++c) {
      tml_vector v;
      snprintf(path, sizeof(path), "%.800s/%.60s/%.95s", dir, kname, case_names[c]);
      if (tml_vector_load(path, &v) != 0) {
        tml_test_print("FAIL %s: cannot read %s\n", kname, path);
        ++failures;
        continue;
      }
      const int ok = check_vector(k, impl, &v, kname, case_names[c]);
      if (bench_prefix && strncmp(case_names[c], bench_prefix, strlen(bench_prefix)) == 0) {
        bench_record(k->kernel, impl->name, last_run_instructions);
        tml_test_print("  %-22s %-8s %-28s %10llu\n", kname, impl->name, case_names[c], last_run_instructions);
      }
      if (ok) {
        ++passed;
      } else {
        ++failures;
      }
      tml_vector_free(&v);
    }
    tml_test_print("%-22s %-8s %d/%d vectors equal TFLM\n", kname, impl->name, passed, n);
  }
  return failures;
}

static char kernel_names[64][96];

/* The public names resolve to the twins of the architecture this binary is built for (tml_kernels.h's
 * dispatch), and to the reference where an architecture has no twin. */
static int check_dispatch(void) {
  typedef void (*any_fn)(void);
  struct {
    const char *name;
    any_fn public_fn, expected;
  } checks[] = {
#if defined(TML_ARCH_ARMV7EM)
    {"tml_conv2d_s8", (any_fn)tml_conv2d_s8, (any_fn)tml_armv7em_conv2d_s8},
    {"tml_depthwise_conv2d_s8", (any_fn)tml_depthwise_conv2d_s8, (any_fn)tml_armv7em_depthwise_conv2d_s8},
    {"tml_fully_connected_s8", (any_fn)tml_fully_connected_s8, (any_fn)tml_armv7em_fully_connected_s8},
    {"tml_conv2d_s8_get_buffer_size", (any_fn)tml_conv2d_s8_get_buffer_size,
     (any_fn)tml_armv7em_conv2d_s8_get_buffer_size},
#elif defined(TML_ARCH_RV32IM)
    {"tml_conv2d_s8", (any_fn)tml_conv2d_s8, (any_fn)tml_rv32im_conv2d_s8},
    {"tml_depthwise_conv2d_s8", (any_fn)tml_depthwise_conv2d_s8, (any_fn)tml_rv32im_depthwise_conv2d_s8},
    {"tml_fully_connected_s8", (any_fn)tml_fully_connected_s8, (any_fn)tml_rv32im_fully_connected_s8},
    {"tml_conv2d_s8_get_buffer_size", (any_fn)tml_conv2d_s8_get_buffer_size,
     (any_fn)tml_rv32im_conv2d_s8_get_buffer_size},
#else
    {"tml_conv2d_s8", (any_fn)tml_conv2d_s8, (any_fn)tml_ref_conv2d_s8},
#endif
    {"tml_avgpool_s8", (any_fn)tml_avgpool_s8, (any_fn)tml_ref_avgpool_s8},
    {"tml_softmax_s8", (any_fn)tml_softmax_s8, (any_fn)tml_ref_softmax_s8},
  };
  size_t i;
  int failures = 0;
  for (i = 0; i < sizeof(checks) / sizeof(checks[0]); ++i) {
    if (checks[i].public_fn != checks[i].expected) {
      tml_test_print("FAIL dispatch: %s does not resolve to the expected twin\n", checks[i].name);
      ++failures;
    }
  }
  return failures;
}

int main(int argc, char **argv) {
  int failures = 0, i, n;
#ifdef TML_TEST_GOLDENS_DIR
  /* Bare-metal builds get no command line: every kernel of the goldens directory compiled in. */
  static char *default_argv[] = {"tml_golden_test", TML_TEST_GOLDENS_DIR, NULL};
  if (argc < 2) {
    argc = 2;
    argv = default_argv;
  }
#endif
  if (argc >= 3 && strcmp(argv[1], "--bench") == 0) {
    bench_prefix = argv[2];
    argc -= 2;
    argv += 2;
  }
  if (argc < 2) {
    tml_test_print("usage: tml_golden_test [--bench PREFIX] GOLDENS_DIR [KERNEL...]\n");
    return 2;
  }
  failures += check_dispatch();
  if (argc > 2) {
    for (i = 2; i < argc; ++i) failures += test_kernel(argv[1], argv[i]);
  } else {
    snprintf(path, sizeof(path), "%.800s/kernels.txt", argv[1]);
    n = read_lines(path, kernel_names, 64);
    if (n <= 0) {
      tml_test_print("FAIL: no kernels listed in %s (run make_goldens.py)\n", path);
      return 1;
    }
    for (i = 0; i < n; ++i) failures += test_kernel(argv[1], kernel_names[i]);
  }
  if (bench_prefix) bench_report();
  tml_test_print(failures ? "FAILED: %d checks\n" : "all vectors equal TFLM\n", failures);
  return failures ? 1 : 0;
}
