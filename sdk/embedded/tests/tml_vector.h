/*
 * Test vectors written by make_goldens.py (test-only; memory from the tml_test_platform.h arena).
 * A vector is a list of named arrays: [name: 24 bytes][type: int32][count: int32][data].
 */
#ifndef TINYML_TESTS_TML_VECTOR_H
#define TINYML_TESTS_TML_VECTOR_H

#include <stddef.h>
#include <stdint.h>

enum { TML_VT_I8 = 0, TML_VT_I16 = 1, TML_VT_I32 = 2, TML_VT_I64 = 3, TML_VT_F32 = 4 };

typedef struct {
  char name[25];
  int32_t type;
  int32_t count;
  const void *data;
} tml_field;

typedef struct {
  size_t mark;
  tml_field fields[32];
  int num_fields;
} tml_vector;

/* Returns 0 on success. */
int tml_vector_load(const char *path, tml_vector *v);
void tml_vector_free(tml_vector *v);
/* NULL when absent. */
const tml_field *tml_vector_find(const tml_vector *v, const char *name);
/* Aborts the test (prints the field) when absent or of another type. */
const tml_field *tml_vector_get(const tml_vector *v, const char *name, int32_t type);
int32_t tml_vector_i32(const tml_vector *v, const char *name, int index);
size_t tml_field_bytes(const tml_field *f);

#endif
