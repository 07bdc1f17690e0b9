/*
 * The optimized kernels' requantization (src/common/tml_output_stage.h: one 64-bit multiply-add with both of
 * TFLite's roundings folded in) against TFLite's two-step arithmetic written out literally here
 * (SaturatingRoundingDoublingHighMul with gemmlowp's sign-dependent nudge and truncating division, then
 * RoundingDivideByPOT), on random accumulators over the whole int32 range -- values the golden vectors, drawn
 * from real layers, do not reach -- with QuantizeMultiplier-shaped multipliers and every shift TFLite makes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../src/common/tml_output_stage.h"

static int32_t gemmlowp_srdhm(int32_t a, int32_t b) {
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  if (a == b && a == INT32_MIN) return INT32_MAX;
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static int32_t gemmlowp_rdbpot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static int32_t tflite_mbqm(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  return gemmlowp_rdbpot(gemmlowp_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

static uint32_t state = 2463534242u;
static uint32_t next(void) {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

int main(int argc, char **argv) {
  const long cases = argc > 1 ? atol(argv[1]) : 20000000L;
  long i, failures = 0;
  for (i = 0; i < cases; ++i) {
    tml_channel_requant ch;
    int32_t multiplier = (int32_t)((1u << 30) | (next() & 0x3FFFFFFFu));
    int shift = -(int)(next() % 32);
    int32_t acc = (int32_t)next();
    switch (i % 8) {
      case 0:
        multiplier = 1 << 30;
        break; /* the smallest QuantizeMultiplier significand */
      case 1:
        multiplier = 0;
        break; /* shift below -31: TFLite zeroes the multiplier */
      case 2:
        shift = (int)(next() % 8);
        break; /* left shifts */
      case 3:
        acc = (int32_t)(next() % 512) - 256;
        break;
      case 4:
        acc >>= next() % 31;
        break;
      default:
        break;
    }
    tml_prepare_requant(&ch, multiplier, shift);
    if (tml_apply_requant(&ch, acc) != tflite_mbqm(acc, multiplier, shift) ||
        tml_mbqm(acc, multiplier, shift) != tflite_mbqm(acc, multiplier, shift)) {
      if (failures < 5) printf("FAIL acc %ld multiplier %ld shift %d\n", (long)acc, (long)multiplier, shift);
      ++failures;
    }
  }
  printf("%ld random requantizations, %ld differ from TFLite's arithmetic\n", cases, failures);
  return failures ? 1 : 0;
}
