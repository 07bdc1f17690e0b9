/* Test-only: the C half of the RV32 start-up (rv32im_startup.S): command line, main, exit. */
#include <stdint.h>

#include "../tml_test_platform.h"

int main(int argc, char **argv);
int tml_test_command_line(char ***argv);
void rv32im_main(void);

void rv32im_main(void) {
  char **argv;
  const int argc = tml_test_command_line(&argv);
  tml_test_exit(main(argc, argv));
}

/* minstret counts retired instructions exactly (QEMU -icount shift=0). */
unsigned long long tml_test_instructions(void) {
  uint32_t hi, lo, hi2;
  do {
    __asm volatile("csrr %0, minstreth" : "=r"(hi));
    __asm volatile("csrr %0, minstret" : "=r"(lo));
    __asm volatile("csrr %0, minstreth" : "=r"(hi2));
  } while (hi != hi2);
  return ((unsigned long long)hi << 32) | lo;
}
