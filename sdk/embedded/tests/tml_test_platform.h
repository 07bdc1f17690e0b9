/*
 * What the golden test needs from the machine it runs on (test-only): read a whole file, print a line, exit,
 * and memory. On the host these are stdio and exit; on a bare-metal target (TML_TEST_SEMIHOSTING) they are
 * semihosting calls to QEMU through a farm board's support (tests/cross/board_platform.c), so the same test binary
 * runs on both. Memory comes from a static arena, released in LIFO order: no malloc on either.
 */
#ifndef TINYML_TESTS_TML_TEST_PLATFORM_H
#define TINYML_TESTS_TML_TEST_PLATFORM_H

#include <stddef.h>

/* Reads the file into buf (at most max bytes); returns its size, or -1 (missing, unreadable or larger). */
long tml_test_read_file(const char *path, void *buf, long max);
void tml_test_print(const char *fmt, ...);
void tml_test_exit(int status);

/* Instructions executed so far, where the machine can count them exactly (QEMU with -icount shift=0: Arm
 * CMSDK timer 0 at 25 MHz = 40 instructions a tick, RISC-V minstret); 0 on the host. */
unsigned long long tml_test_instructions(void);

/* Arena: tml_test_alloc returns 8-byte aligned memory (NULL when full); tml_test_release frees everything
 * allocated at and after mark. */
void *tml_test_alloc(size_t bytes);
size_t tml_test_mark(void);
void tml_test_release(size_t mark);

#endif
