#include "tml_vector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const size_t element_size[] = {1, 2, 4, 8, 4};

size_t tml_field_bytes(const tml_field *f) { return (size_t)f->count * element_size[f->type]; }

int tml_vector_load(const char *path, tml_vector *v) {
  FILE *f = fopen(path, "rb");
  long size;
  size_t pos = 0;
  memset(v, 0, sizeof(*v));
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  v->bytes = (unsigned char *)malloc((size_t)size + 1);
  if (!v->bytes || fread(v->bytes, 1, (size_t)size, f) != (size_t)size) {
    fclose(f);
    return -1;
  }
  fclose(f);
  while (pos + 32 <= (size_t)size) {
    tml_field *fd;
    int32_t header[2];
    if (v->num_fields == 32) return -1;
    fd = &v->fields[v->num_fields++];
    memcpy(fd->name, v->bytes + pos, 24);
    fd->name[24] = 0;
    memcpy(header, v->bytes + pos + 24, 8);
    fd->type = header[0];
    fd->count = header[1];
    if (fd->type < 0 || fd->type > 4) return -1;
    if (pos + 32 + tml_field_bytes(fd) > (size_t)size) return -1;
    /* Each array gets its own (malloc-aligned) copy: kernels may load int32/int64 words from it. */
    fd->data = malloc(tml_field_bytes(fd) + 8);
    if (!fd->data) return -1;
    memcpy((void *)fd->data, v->bytes + pos + 32, tml_field_bytes(fd));
    pos += 32 + tml_field_bytes(fd);
  }
  return pos == (size_t)size ? 0 : -1;
}

void tml_vector_free(tml_vector *v) {
  int i;
  for (i = 0; i < v->num_fields; ++i) free((void *)v->fields[i].data);
  free(v->bytes);
  v->bytes = NULL;
}

const tml_field *tml_vector_find(const tml_vector *v, const char *name) {
  int i;
  for (i = 0; i < v->num_fields; ++i) {
    if (strcmp(v->fields[i].name, name) == 0) return &v->fields[i];
  }
  return NULL;
}

const tml_field *tml_vector_get(const tml_vector *v, const char *name, int32_t type) {
  const tml_field *f = tml_vector_find(v, name);
  if (!f || f->type != type) {
    printf("vector field %s missing or not of type %d\n", name, (int)type);
    exit(2);
  }
  return f;
}

int32_t tml_vector_i32(const tml_vector *v, const char *name, int index) {
  const tml_field *f = tml_vector_get(v, name, TML_VT_I32);
  int32_t value;
  if (index >= f->count) {
    printf("vector field %s has no element %d\n", name, index);
    exit(2);
  }
  memcpy(&value, (const unsigned char *)f->data + 4 * (size_t)index, 4);
  return value;
}
