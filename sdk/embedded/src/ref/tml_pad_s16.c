/* PAD / PADV2 int16, reference: reference_ops::Pad (constant mode) on 4-D NHWC. */
#include <string.h>

#include "tinyml/tml_kernels.h"

static void tml_fill_s16(int16_t *out, int16_t value, int32_t count) {
  int32_t i;
  for (i = 0; i < count; ++i) out[i] = value;
}

tml_status tml_ref_pad_s16(const tml_pad_params *params, const tml_dims *input_dims, const int16_t *input,
                           int16_t pad_value, const tml_dims *output_dims, int16_t *output) {
  const tml_dims *lo = &params->before;
  int32_t b, y, x;
  if (output_dims->n != lo->n + input_dims->n + params->after.n ||
      output_dims->h != lo->h + input_dims->h + params->after.h ||
      output_dims->w != lo->w + input_dims->w + params->after.w ||
      output_dims->c != lo->c + input_dims->c + params->after.c) {
    return TML_ERROR_ARGUMENT;
  }
  for (b = 0; b < output_dims->n; ++b) {
    for (y = 0; y < output_dims->h; ++y) {
      for (x = 0; x < output_dims->w; ++x) {
        int16_t *out = output + (((size_t)b * output_dims->h + y) * output_dims->w + x) * output_dims->c;
        const int32_t ib = b - lo->n, iy = y - lo->h, ix = x - lo->w;
        if (ib < 0 || ib >= input_dims->n || iy < 0 || iy >= input_dims->h || ix < 0 || ix >= input_dims->w) {
          tml_fill_s16(out, pad_value, output_dims->c);
          continue;
        }
        tml_fill_s16(out, pad_value, lo->c);
        memcpy(out + lo->c, input + (((size_t)ib * input_dims->h + iy) * input_dims->w + ix) * input_dims->c,
               (size_t)input_dims->c * sizeof(int16_t));
        tml_fill_s16(out + lo->c + input_dims->c, pad_value, params->after.c);
      }
    }
  }
  return TML_OK;
}
