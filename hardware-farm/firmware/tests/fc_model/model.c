/*
 * A small int8 test model implementing the generated model API (model.h): two fully connected layers,
 * IN → HIDDEN (ReLU) → OUT, computed in plain C with TensorFlow Lite's int8 arithmetic (per-tensor asymmetric
 * activations, symmetric int8 weights, int32 bias, fixed-point requantization with
 * SaturatingRoundingDoublingHighMul and a rounding right shift). The hidden activations live in the caller's
 * arena. Its parameters come from fc_params.h, written by generate.mjs, whose JavaScript reference computes the
 * expected output bytes independently. It lets the firmware be tested before the code generator's models exist.
 */
#include <stdint.h>
#include <string.h>

#include "fc_params.h"
#include "model.h"

static int8_t *hidden_buffer;

static int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (1ll << 30) : (1 - (1ll << 30));
  return (int32_t)((ab + nudge) / (1ll << 31));
}

static int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  int32_t mask = (int32_t)((1ll << exponent) - 1);
  int32_t remainder = x & mask;
  int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static int32_t requantize(int32_t acc, int32_t multiplier, int shift) {
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(acc * (1 << left), multiplier), right);
}

static void fully_connected(const int8_t *x, int in, int32_t x_zp, const int8_t *w, const int32_t *bias, int out,
                            int32_t multiplier, int shift, int32_t y_zp, int32_t lo, int32_t hi, int8_t *y) {
  for (int o = 0; o < out; o++) {
    const int8_t *row = w + (size_t)o * (size_t)in;
    int32_t acc = bias[o];
    for (int i = 0; i < in; i++) acc += ((int32_t)x[i] - x_zp) * (int32_t)row[i];
    int32_t v = requantize(acc, multiplier, shift) + y_zp;
    y[o] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
  }
}

int tml_model_init(uint8_t *arena, size_t arena_size) {
  if (arena == NULL || arena_size < TML_MODEL_ARENA_SIZE) return -1;
  hidden_buffer = (int8_t *)arena;
  return 0;
}

int tml_model_run(const void *input, void *output) {
  if (hidden_buffer == NULL) return -2;
  /* ReLU: the hidden layer clamps at its zero point. */
  fully_connected((const int8_t *)input, FC_IN, TML_MODEL_INPUT_ZERO_POINT, fc1_weights, fc1_bias, FC_HIDDEN,
                  FC1_MULTIPLIER, FC1_SHIFT, FC1_OUTPUT_ZERO_POINT, FC1_OUTPUT_ZERO_POINT, 127, hidden_buffer);
  fully_connected(hidden_buffer, FC_HIDDEN, FC1_OUTPUT_ZERO_POINT, fc2_weights, fc2_bias, FC_OUT, FC2_MULTIPLIER,
                  FC2_SHIFT, TML_MODEL_OUTPUT_ZERO_POINT, -128, 127, (int8_t *)output);
  return 0;
}
