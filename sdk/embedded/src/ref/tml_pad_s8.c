/* PAD / PADV2 int8, reference: reference_ops::Pad (constant mode) on 4-D NHWC. */
#include <string.h>

#include "tinyml/tml_kernels.h"

tml_status tml_ref_pad_s8(const tml_pad_params *params, const tml_dims *input_dims, const int8_t *input,
                          int8_t pad_value, const tml_dims *output_dims, int8_t *output) {
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
        int8_t *out = output + (((size_t)b * output_dims->h + y) * output_dims->w + x) * output_dims->c;
        const int32_t ib = b - lo->n, iy = y - lo->h, ix = x - lo->w;
        if (ib < 0 || ib >= input_dims->n || iy < 0 || iy >= input_dims->h || ix < 0 || ix >= input_dims->w) {
          memset(out, (unsigned char)pad_value, (size_t)output_dims->c);
          continue;
        }
        memset(out, (unsigned char)pad_value, (size_t)lo->c);
        memcpy(out + lo->c, input + (((size_t)ib * input_dims->h + iy) * input_dims->w + ix) * input_dims->c,
               (size_t)input_dims->c);
        memset(out + lo->c + input_dims->c, (unsigned char)pad_value, (size_t)params->after.c);
      }
    }
  }
  return TML_OK;
}
