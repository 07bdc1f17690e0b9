/*
 * Arm semihosting (also used by QEMU for RISC-V): console output, host file I/O and the exit code, through the
 * debugger trap of each architecture (BKPT 0xAB on M-profile, SVC 0x123456 in A32, the slli/ebreak/srai sequence
 * on RISC-V). QEMU serves these with `-semihosting-config enable=on,target=native`; host paths are relative to
 * QEMU's working directory.
 */
#ifndef TML_FW_SEMIHOST_H
#define TML_FW_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* SYS_OPEN modes (ISO C fopen modes in the order of the semihosting specification). */
#define SH_MODE_RB 1
#define SH_MODE_WB 5

/* Returns a host file handle, or -1. */
int sh_open(const char *path, int mode);
int sh_close(int fd);
/* Both return the number of bytes NOT transferred (0 on success), as the specification does. */
size_t sh_read(int fd, void *buf, size_t len);
size_t sh_write(int fd, const void *buf, size_t len);
/* File length in bytes, or -1. */
long sh_flen(int fd);
/* Writes a NUL-terminated string to the debugger console. */
void sh_puts(const char *s);
/* The command line the host started the program with (QEMU: -semihosting-config ...,arg=A,arg=B), NUL-terminated
   in buf; returns its length, or -1. The harness takes no arguments; test programs on a board do. */
long sh_get_cmdline(char *buf, size_t len);
/* Ends the emulation with this exit status (SYS_EXIT_EXTENDED, so the status reaches the host). */
void sh_exit(int status) __attribute__((noreturn));

/* The architecture's trap; implemented per board family. */
uintptr_t sh_call(uintptr_t op, uintptr_t arg);

#endif
