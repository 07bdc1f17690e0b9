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
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

/* SysTick on the processor clock (25 MHz on QEMU's MPS2); under -icount shift=0 one instruction takes 1 ns of
 * virtual time, so a tick is 40 instructions. The 24-bit down-counter is folded into 64 bits at each call
 * (calls come far more often than its 671 M-instruction wrap). */
static uint32_t systick_last;
static unsigned long long systick_total;

unsigned long long tml_test_instructions(void) {
  const uint32_t now = SYST_CVR;
  systick_total += (systick_last - now) & 0xFFFFFFu;
  systick_last = now;
  return systick_total * 40u;
}

__attribute__((noreturn)) void reset_handler(void) {
  uint32_t *p;
  char **argv;
  int argc;
#if defined(__ARM_FP)
  SCB_CPACR |= (0xFu << 20);
  __asm volatile("dsb\n\tisb" ::: "memory");
#endif
  for (p = __bss_start; p < __bss_end; ++p) *p = 0;
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 5u; /* enable, processor clock, no interrupt */
  systick_last = SYST_CVR;
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
