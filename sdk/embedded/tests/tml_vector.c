#include "tml_vector.h"

#include <string.h>

#include "tml_test_platform.h"

#define TML_VECTOR_MAX_FILE (512L * 1024L)

static const size_t element_size[] = {1, 2, 4, 8, 4};
static unsigned char file_bytes[TML_VECTOR_MAX_FILE];

size_t tml_field_bytes(const tml_field *f) {
  return (size_t)f->count * element_size[f->type];
}

int tml_vector_load(const char *path, tml_vector *v) {
  const long size = tml_test_read_file(path, file_bytes, TML_VECTOR_MAX_FILE);
  size_t pos = 0;
  memset(v, 0, sizeof(*v));
  v->mark = tml_test_mark();
  if (size < 0) return -1;
  while (pos + 32 <= (size_t)size) {
    tml_field *fd;
    int32_t header[2];
    if (v->num_fields == 32) return -1;
    fd = &v->fields[v->num_fields++];
    memcpy(fd->name, file_bytes + pos, 24);
    fd->name[24] = 0;
    memcpy(header, file_bytes + pos + 24, 8);
    fd->type = header[0];
    fd->count = header[1];
    if (fd->type < 0 || fd->type > 4 || fd->count < 0) return -1;
    if (pos + 32 + tml_field_bytes(fd) > (size_t)size) return -1;
    /* Each array gets its own 8-byte aligned copy: kernels may load int32/int64 words from it. */
    fd->data = tml_test_alloc(tml_field_bytes(fd));
    if (!fd->data) return -1;
    memcpy((void *)fd->data, file_bytes + pos + 32, tml_field_bytes(fd));
    pos += 32 + tml_field_bytes(fd);
  }
  return pos == (size_t)size ? 0 : -1;
}

void tml_vector_free(tml_vector *v) {
  tml_test_release(v->mark);
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
    tml_test_print("vector field %s missing or not of type %d\n", name, (int)type);
    tml_test_exit(2);
  }
  return f;
}

int32_t tml_vector_i32(const tml_vector *v, const char *name, int index) {
  const tml_field *f = tml_vector_get(v, name, TML_VT_I32);
  int32_t value;
  if (index >= f->count) {
    tml_test_print("vector field %s has no element %d\n", name, index);
    tml_test_exit(2);
  }
  memcpy(&value, (const unsigned char *)f->data + 4 * (size_t)index, 4);
  return value;
}
