/*
 * Armv7-M start-up shared by the M-profile boards (MPS2 AN386 Cortex-M4F, MPS2 AN500 Cortex-M7, Netduino Plus 2
 * STM32F405): the vector table (initial stack pointer, reset and fault handlers), .data copied from flash, .bss
 * zeroed, the stack painted, the FPU enabled (CPACR CP10/CP11 full access) when the build uses it, then main.
 */
#include <stdint.h>
#include <string.h>

#include "stack_paint.h"

extern uint32_t __stack_top[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];

int main(void);
void harness_fault(uint32_t where);

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)

__attribute__((section(".text.boot"), noreturn)) void reset_handler(void) {
  /* The FPU first: the compiler may use FP registers anywhere below (memcpy included). */
#if defined(__ARM_FP)
  SCB_CPACR |= (0xFu << 20);
  __asm volatile("dsb\n\tisb" ::: "memory");
#endif
  uint32_t *src = __data_load;
  for (uint32_t *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t *dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  stack_paint();
  main();
  for (;;) {
  }
}

/* Any fault ends the run with exit status 3 and the exception number in the error line. */
static void fault_handler(void) {
  uint32_t ipsr;
  __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  harness_fault(ipsr & 0x1FFu);
}

void systick_handler(void) __attribute__((weak, alias("default_handler")));
void default_handler(void) {
  fault_handler();
}

typedef void (*vector_t)(void);

/* 16 system exceptions; the harness enables no device interrupts. */
__attribute__((section(".vectors"), used)) const vector_t vector_table[16] = {
    (vector_t)(uintptr_t)__stack_top, /* initial SP */
    reset_handler,
    default_handler, /* NMI */
    default_handler, /* HardFault */
    default_handler, /* MemManage */
    default_handler, /* BusFault */
    default_handler, /* UsageFault */
    0,
    0,
    0,
    0,
    default_handler, /* SVCall */
    default_handler, /* DebugMonitor */
    0,
    default_handler, /* PendSV */
    systick_handler, /* SysTick */
};

uintptr_t sh_call(uintptr_t op, uintptr_t arg) {
  register uintptr_t r0 __asm("r0") = op;
  register uintptr_t r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}
