/*
 * MPS2 (AN386 Cortex-M4F, AN500 Cortex-M7) instruction counter: CMSDK APB timer 0 (0x40000000), a 32-bit
 * down-counter on the 25 MHz peripheral clock, free running from 0xFFFFFFFF with no interrupt. Under -icount
 * shift=0 one instruction is 1 ns of virtual time, so one tick is 40 instructions; 2^32 ticks last 171 s of
 * virtual time (1.7e11 instructions), far beyond one inference. (SysTick, 24 bits on the same clock, would wrap
 * every 0.67 s.)
 */
#include <stdint.h>

#include "board.h"

#define TIMER0_CTRL (*(volatile uint32_t *)0x40000000u)
#define TIMER0_VALUE (*(volatile uint32_t *)0x40000004u)
#define TIMER0_RELOAD (*(volatile uint32_t *)0x40000008u)

const char board_counter[] = "cmsdk-apb-timer0@25MHz";
const uint32_t board_counter_step = 40;

void board_init(void) {
  TIMER0_CTRL = 0;
  TIMER0_RELOAD = 0xFFFFFFFFu;
  TIMER0_VALUE = 0xFFFFFFFFu;
  TIMER0_CTRL = 1u; /* enable */
}

void board_read(board_count_t *count) {
  count->exact = 0xFFFFFFFFu - TIMER0_VALUE;
}

uint64_t board_elapsed(const board_count_t *from, const board_count_t *to) {
  return (uint64_t)(to->exact - from->exact) * board_counter_step;
}
