/* RESHAPE int16: the bytes do not change; a copy (memmove, so input == output is allowed). */
#include <string.h>

#include "tinyml/tml_kernels.h"

tml_status tml_ref_reshape_s16(int32_t size, const int16_t *input, int16_t *output) {
  if (input != output) memmove(output, input, (size_t)size * sizeof(int16_t));
  return TML_OK;
}
