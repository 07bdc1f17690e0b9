/*
 * Test-only start-up for the golden test on QEMU mps2-an386 (Cortex-M4F): vector table, FPU on, .bss zeroed,
 * command line from semihosting, main, exit status through semihosting. Any fault exits with status 3.
 */
#include <stdint.h>

#include "../tml_test_platform.h"

extern uint32_t __bss_start[], __bss_end[], __stack_top[];
int main(int argc, char **argv);
int tml_test_command_line(char ***argv);

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

__attribute__((noreturn)) void reset_handler(void) {
  uint32_t *p;
  char **argv;
  int argc;
#if defined(__ARM_FP)
  SCB_CPACR |= (0xFu << 20);
  __asm volatile("dsb\n\tisb" ::: "memory");
#endif
  for (p = __bss_start; p < __bss_end; ++p) *p = 0;
  argc = tml_test_command_line(&argv);
  tml_test_exit(main(argc, argv));
  for (;;) {
  }
}

static void fault_handler(void) {
  tml_test_print("fault\n");
  tml_test_exit(3);
}

typedef void (*vector_t)(void);
__attribute__((section(".vectors"), used)) const vector_t tml_test_vectors[16] = {
    (vector_t)(uintptr_t)__stack_top, reset_handler, fault_handler, fault_handler, fault_handler, fault_handler,
    fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler, fault_handler};
