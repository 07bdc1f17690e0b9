#include "tml_test_platform.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef TML_TEST_ARENA_BYTES
#define TML_TEST_ARENA_BYTES (2u * 1024u * 1024u)
#endif

static uint64_t arena[TML_TEST_ARENA_BYTES / 8];
static size_t arena_used;

void *tml_test_alloc(size_t bytes) {
  const size_t rounded = (bytes + 7u) & ~(size_t)7u;
  void *p;
  if (rounded > sizeof(arena) - arena_used) return NULL;
  p = (unsigned char *)arena + arena_used;
  arena_used += rounded;
  return p;
}

size_t tml_test_mark(void) {
  return arena_used;
}
void tml_test_release(size_t mark) {
  arena_used = mark;
}

#ifndef TML_TEST_SEMIHOSTING
long tml_test_read_file(const char *path, void *buf, long max) {
  FILE *f = fopen(path, "rb");
  long size;
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (size < 0 || size > max || fread(buf, 1, (size_t)size, f) != (size_t)size) size = -1;
  fclose(f);
  return size;
}

void tml_test_print(const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vprintf(fmt, args);
  va_end(args);
  fflush(stdout);
}

void tml_test_exit(int status) {
  exit(status);
}

unsigned long long tml_test_instructions(void) {
  return 0;
}
#endif
