/* TFLite's gen_lut<float, int16_t, int16_t>: 512 samples of func over [input_min, input_max] scaled to int16
 * over [output_min, output_max], each corrected by half the error that linear interpolation makes at the
 * segment midpoint, plus a 513th sample at input_max for the last slope. Used to build SOFTMAX int16's
 * tables; floating point, meant for start-up or for generating constant tables. */
#include <math.h>

#include "tinyml/tml_kernels.h"

static float tml_round_half_away(float x) {
  return x >= 0.0f ? floorf(x + 0.5f) : -floorf(-x + 0.5f);
}

void tml_gen_lut_s16(float (*func)(float), float input_min, float input_max, float output_min, float output_max,
                     int16_t lut[513]) {
  const int nb_steps = 512;
  const float step = (input_max - input_min) / nb_steps;
  const float half_step = step / 2;
  const float output_scaling_inv = 65536.0f / (output_max - output_min);
  const float table_min = -32768.0f, table_max = 32767.0f;
  int i;
  for (i = 0; i < nb_steps; ++i) {
    const float val = func(input_min + i * step);
    const float val_midpoint = func(input_min + i * step + half_step);
    const float val_next = func(input_min + (i + 1) * step);
    const float sample_val = tml_round_half_away(val * output_scaling_inv);
    const float midpoint_interp_val =
        tml_round_half_away((val_next * output_scaling_inv + tml_round_half_away(val * output_scaling_inv)) / 2);
    const float midpoint_val = tml_round_half_away(val_midpoint * output_scaling_inv);
    const float midpoint_err = midpoint_interp_val - midpoint_val;
    const float bias = tml_round_half_away(midpoint_err / 2);
    float v = sample_val - bias;
    v = v < table_min ? table_min : (v > table_max ? table_max : v);
    lut[i] = (int16_t)v;
  }
  {
    float v = tml_round_half_away(func(input_max) * output_scaling_inv);
    v = v < table_min ? table_min : (v > table_max ? table_max : v);
    lut[nb_steps] = (int16_t)v;
  }
}
