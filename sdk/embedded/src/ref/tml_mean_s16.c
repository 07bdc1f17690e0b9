/* MEAN over H and W, int16, reference: TFLM's EvalIntegerMean, i.e. reference_ops::Mean (same quantization in
 * and out: raw sum / count, truncated) or reference_ops::QuantizedMeanOrSum (1 / count folded into the
 * multiplier: shift = min(floor(log2(count)), 32, 31 + shift), multiplier = (multiplier << shift) / count). */
#include "tinyml/tml_kernels.h"
#include "../common/tml_fixed_point.h"

tml_status tml_ref_mean_s16(const tml_mean_params *params, const tml_dims *input_dims, const int16_t *input,
                            const tml_dims *output_dims, int16_t *output) {
  const int32_t count = input_dims->h * input_dims->w;
  const int32_t depth = input_dims->c;
  int32_t multiplier = params->multiplier, shift = params->shift, b, c, i;
  if (output_dims->c != depth || output_dims->n != input_dims->n || count <= 0) return TML_ERROR_ARGUMENT;
  if (!params->same_quantization) {
    int32_t s = 63 - tml_clz64((uint64_t)count);
    s = TML_MIN(s, 32);
    s = TML_MIN(s, 31 + shift);
    multiplier = (int32_t)(((int64_t)multiplier << s) / count);
    shift = shift - s;
  }
  for (b = 0; b < input_dims->n; ++b) {
    const int16_t *in = input + (size_t)b * count * depth;
    for (c = 0; c < depth; ++c) {
      int32_t sum = 0, out;
      for (i = 0; i < count; ++i) sum += in[(size_t)i * depth + c];
      if (params->same_quantization) {
        out = sum / count;
      } else {
        out = tml_mbqm(sum - params->input_zero_point * count, multiplier, shift) + params->output_zero_point;
        out = TML_CLAMP(out, -32768, 32767);
      }
      output[(size_t)b * depth + c] = (int16_t)out;
    }
  }
  return TML_OK;
}
