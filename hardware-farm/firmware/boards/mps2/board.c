/*
 * MPS2 (AN386 Cortex-M4F, AN500 Cortex-M7) instruction counter: CMSDK APB timer 0 (0x40000000), a 32-bit down-counter on the 25 MHz
 * peripheral clock, free running from 0xFFFFFFFF with no interrupt. Under -icount shift=0 one instruction is 1 ns
 * of virtual time, so one tick is 40 instructions; 2^32 ticks last 171 s of virtual time (1.7e11 instructions),
 * and wraps are folded into 64 bits on each read (reads are far more frequent than wraps).
 */
#include <stdint.h>

#include "board.h"

#define TIMER0_CTRL (*(volatile uint32_t *)0x40000000u)
#define TIMER0_VALUE (*(volatile uint32_t *)0x40000004u)
#define TIMER0_RELOAD (*(volatile uint32_t *)0x40000008u)

const char board_counter[] = "cmsdk-apb-timer0@25MHz";
const uint32_t board_counter_step = 40;

static uint32_t last;
static uint64_t high;

void board_init(void) {
  TIMER0_CTRL = 0;
  TIMER0_RELOAD = 0xFFFFFFFFu;
  TIMER0_VALUE = 0xFFFFFFFFu;
  TIMER0_CTRL = 1u; /* enable */
  last = 0;
  high = 0;
}

uint64_t board_instructions(void) {
  uint32_t elapsed = 0xFFFFFFFFu - TIMER0_VALUE;
  if (elapsed < last) high += 1ull << 32;
  last = elapsed;
  return (high + elapsed) * board_counter_step;
}
