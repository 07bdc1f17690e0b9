/*
 * tml_test_platform.h on a farm board (test-only): the golden test runs on the benchmark firmware's own board
 * support (hardware-farm/firmware: start-up, linker script, semihosting, instruction counter), so each board has
 * one of each. The board's start-up calls main(void); the golden test's main(argc, argv) is compiled as
 * tml_golden_main (tests/cross/board-support.cmake) and called here with the command line QEMU was given.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "../tml_test_platform.h"
#include "board.h"
#include "semihost.h"

int tml_golden_main(int argc, char **argv);
int main(void);
void harness_fault(uint32_t where);

static board_count_t origin;

long tml_test_read_file(const char *path, void *buf, long max) {
  const int fd = sh_open(path, SH_MODE_RB);
  long size;
  if (fd < 0) return -1;
  size = sh_flen(fd);
  if (size < 0 || size > max || sh_read(fd, buf, (size_t)size) != 0) size = -1;
  sh_close(fd);
  return size;
}

void tml_test_print(const char *fmt, ...) {
  char line[512];
  va_list args;
  va_start(args, fmt);
  vsnprintf(line, sizeof(line), fmt, args);
  va_end(args);
  sh_puts(line);
}

void tml_test_exit(int status) {
  sh_exit(status);
}

unsigned long long tml_test_instructions(void) {
  board_count_t now;
  board_read(&now);
  return board_elapsed(&origin, &now);
}

/* The board's fault handlers end the run here: exit status 3, as the benchmark harness's. */
void harness_fault(uint32_t where) {
  tml_test_print("fault %lu\n", (unsigned long)where);
  sh_exit(3);
}

/* The command line (-semihosting-config ...,arg=A,arg=B), split at spaces. */
static int command_line(char **args, int max) {
  static char line[1024];
  int argc = 0;
  char *p = line;
  if (sh_get_cmdline(line, sizeof(line)) < 0) line[0] = 0;
  while (*p && argc < max - 1) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    args[argc++] = p;
    while (*p && *p != ' ') ++p;
  }
  args[argc] = NULL;
  return argc;
}

int main(void) {
  static char *args[16];
  const int argc = command_line(args, 16);
  board_init();
  board_read(&origin);
  tml_test_exit(tml_golden_main(argc, args));
  return 0;
}
