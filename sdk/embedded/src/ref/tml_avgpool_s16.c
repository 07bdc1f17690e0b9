/* AVERAGE_POOL_2D int16, reference: reference_integer_ops::AveragePool. The window is clipped to the input
 * (padding cells are not counted); the average rounds half away from zero by integer division. */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

int32_t tml_ref_avgpool_s16_get_buffer_size(const tml_dims *input_dims, const tml_dims *output_dims) {
  (void)input_dims;
  (void)output_dims;
  return 0;
}

tml_status tml_ref_avgpool_s16(const tml_context *ctx, const tml_pool_params *params, const tml_dims *input_dims,
                               const int16_t *input, const tml_dims *filter_dims, const tml_dims *output_dims,
                               int16_t *output) {
  const int32_t in_h = input_dims->h, in_w = input_dims->w, depth = input_dims->c;
  int32_t b, oy, ox, c;
  (void)ctx;
  if (output_dims->c != depth || output_dims->n != input_dims->n) return TML_ERROR_ARGUMENT;
  for (b = 0; b < input_dims->n; ++b) {
    for (oy = 0; oy < output_dims->h; ++oy) {
      const int32_t y0 = oy * params->stride.h - params->padding.h;
      const int32_t fy_start = TML_MAX(0, -y0);
      const int32_t fy_end = TML_MIN(filter_dims->h, in_h - y0);
      for (ox = 0; ox < output_dims->w; ++ox) {
        const int32_t x0 = ox * params->stride.w - params->padding.w;
        const int32_t fx_start = TML_MAX(0, -x0);
        const int32_t fx_end = TML_MIN(filter_dims->w, in_w - x0);
        for (c = 0; c < depth; ++c) {
          int32_t acc = 0, count = 0, fy, fx;
          for (fy = fy_start; fy < fy_end; ++fy) {
            for (fx = fx_start; fx < fx_end; ++fx) {
              acc += input[(((size_t)b * in_h + y0 + fy) * in_w + x0 + fx) * depth + c];
              ++count;
            }
          }
          if (count == 0) return TML_ERROR_ARGUMENT;
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          acc = TML_CLAMP(acc, params->activation.min, params->activation.max);
          output[(((size_t)b * output_dims->h + oy) * output_dims->w + ox) * depth + c] = (int16_t)acc;
        }
      }
    }
  }
  return TML_OK;
}
