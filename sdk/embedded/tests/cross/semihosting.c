/*
 * Semihosting back end of tml_test_platform.h for the bare-metal test binaries (Arm M-profile: BKPT 0xAB;
 * RISC-V: the slli/ebreak/srai sequence). QEMU serves the calls with -semihosting-config enable=on,target=native.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../tml_test_platform.h"

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE0 = 0x04, SYS_READ = 0x06, SYS_FLEN = 0x0C,
       SYS_GET_CMDLINE = 0x15, SYS_EXIT_EXTENDED = 0x20 };

#if defined(__riscv)
static uintptr_t sh_call(uintptr_t op, uintptr_t arg) {
  register uintptr_t a0 __asm("a0") = op;
  register uintptr_t a1 __asm("a1") = arg;
  __asm volatile(".option push\n\t.option norvc\n\t.balign 16\n\t"
                 "slli zero, zero, 0x1f\n\tebreak\n\tsrai zero, zero, 7\n\t.option pop"
                 : "+r"(a0)
                 : "r"(a1)
                 : "memory");
  return a0;
}
#else
static uintptr_t sh_call(uintptr_t op, uintptr_t arg) {
  register uintptr_t r0 __asm("r0") = op;
  register uintptr_t r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}
#endif

long tml_test_read_file(const char *path, void *buf, long max) {
  uintptr_t open_args[3], rw_args[3];
  intptr_t handle;
  long size;
  open_args[0] = (uintptr_t)path;
  open_args[1] = 1; /* "rb" */
  open_args[2] = strlen(path);
  handle = (intptr_t)sh_call(SYS_OPEN, (uintptr_t)open_args);
  if (handle < 0) return -1;
  size = (long)(intptr_t)sh_call(SYS_FLEN, (uintptr_t)&handle);
  if (size >= 0 && size <= max) {
    rw_args[0] = (uintptr_t)handle;
    rw_args[1] = (uintptr_t)buf;
    rw_args[2] = (uintptr_t)size;
    if (sh_call(SYS_READ, (uintptr_t)rw_args) != 0) size = -1; /* returns the bytes NOT read */
  } else {
    size = -1;
  }
  sh_call(SYS_CLOSE, (uintptr_t)&handle);
  return size;
}

void tml_test_print(const char *fmt, ...) {
  char line[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(line, sizeof(line), fmt, args);
  va_end(args);
  sh_call(SYS_WRITE0, (uintptr_t)line);
}

void tml_test_exit(int status) {
  uintptr_t block[2];
  block[0] = 0x20026; /* ADP_Stopped_ApplicationExit */
  block[1] = (uintptr_t)status;
  sh_call(SYS_EXIT_EXTENDED, (uintptr_t)block);
  for (;;) {
  }
}

int tml_test_command_line(char ***argv);

/* The command line QEMU was given (-semihosting-config ...,arg=A,arg=B), split at spaces. */
int tml_test_command_line(char ***argv) {
  static char line[1024];
  static char *args[16];
  uintptr_t block[2];
  int argc = 0;
  char *p = line;
  block[0] = (uintptr_t)line;
  block[1] = sizeof(line) - 1;
  if (sh_call(SYS_GET_CMDLINE, (uintptr_t)block) != 0) block[1] = 0;
  line[block[1]] = 0;
  while (*p && argc < 15) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    args[argc++] = p;
    while (*p && *p != ' ') ++p;
  }
  args[argc] = NULL;
  *argv = args;
  return argc;
}
