#include "semihost.h"

#include <string.h>

enum {
  SYS_OPEN = 0x01,
  SYS_CLOSE = 0x02,
  SYS_WRITE0 = 0x04,
  SYS_WRITE = 0x05,
  SYS_READ = 0x06,
  SYS_FLEN = 0x0C,
  SYS_GET_CMDLINE = 0x15,
  SYS_EXIT_EXTENDED = 0x20,
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

int sh_open(const char *path, int mode) {
  uintptr_t args[3] = {(uintptr_t)path, (uintptr_t)mode, strlen(path)};
  return (int)sh_call(SYS_OPEN, (uintptr_t)args);
}

int sh_close(int fd) {
  uintptr_t args[1] = {(uintptr_t)fd};
  return (int)sh_call(SYS_CLOSE, (uintptr_t)args);
}

size_t sh_read(int fd, void *buf, size_t len) {
  uintptr_t args[3] = {(uintptr_t)fd, (uintptr_t)buf, len};
  return sh_call(SYS_READ, (uintptr_t)args);
}

size_t sh_write(int fd, const void *buf, size_t len) {
  uintptr_t args[3] = {(uintptr_t)fd, (uintptr_t)buf, len};
  return sh_call(SYS_WRITE, (uintptr_t)args);
}

long sh_flen(int fd) {
  uintptr_t args[1] = {(uintptr_t)fd};
  return (long)sh_call(SYS_FLEN, (uintptr_t)args);
}

long sh_get_cmdline(char *buf, size_t len) {
  uintptr_t args[2] = {(uintptr_t)buf, len - 1};
  if (len == 0 || sh_call(SYS_GET_CMDLINE, (uintptr_t)args) != 0) return -1;
  buf[args[1]] = 0;
  return (long)args[1];
}

void sh_puts(const char *s) {
  sh_call(SYS_WRITE0, (uintptr_t)s);
}

void sh_exit(int status) {
  uintptr_t args[2] = {ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)status};
  sh_call(SYS_EXIT_EXTENDED, (uintptr_t)args);
  for (;;) {
  }
}
