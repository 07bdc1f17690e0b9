/*
 * 4-D broadcasting for the elementwise kernels (internal). An input dimension of 1 repeats along the output
 * dimension, as TFLite's NdArrayDescsForElementwiseBroadcast does: its stride becomes 0.
 */
#ifndef TINYML_TML_BROADCAST_H
#define TINYML_TML_BROADCAST_H

#include "tinyml/tml_types.h"

typedef struct {
  int32_t n, h, w, c; /* element strides of an input, 0 along broadcast dimensions */
} tml_broadcast_strides;

/* Returns 0 when in cannot broadcast to out. */
static inline int tml_broadcast_strides_of(const tml_dims *in, const tml_dims *out, tml_broadcast_strides *s) {
  if ((in->n != out->n && in->n != 1) || (in->h != out->h && in->h != 1) || (in->w != out->w && in->w != 1) ||
      (in->c != out->c && in->c != 1)) {
    return 0;
  }
  s->c = in->c == 1 ? 0 : 1;
  s->w = in->w == 1 ? 0 : in->c;
  s->h = in->h == 1 ? 0 : in->c * in->w;
  s->n = in->n == 1 ? 0 : in->c * in->w * in->h;
  return 1;
}

#endif /* TINYML_TML_BROADCAST_H */
