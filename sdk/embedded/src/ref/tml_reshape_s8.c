/* RESHAPE int8: the bytes do not change; a copy (memmove, so input == output is allowed). */
#include <string.h>

#include "tinyml/tml_kernels.h"

tml_status tml_ref_reshape_s8(int32_t size, const int8_t *input, int8_t *output) {
  if (input != output) memmove(output, input, (size_t)size * sizeof(int8_t));
  return TML_OK;
}
