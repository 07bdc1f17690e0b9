/*
 * Armv7-A instruction counter: the PMU cycle counter PMCCNTR. QEMU derives it from virtual time at 1 GHz, so under
 * -icount shift=0 it advances by one per executed instruction. It is 32 bits wide (wraps every 4.3 s of virtual
 * time), so the 64-bit generic timer CNTVCT (CNTFRQ 62.5 MHz on QEMU virt: 16 instructions a tick, never wrapping)
 * is read beside it and picks the wrap (board_unwrap).
 */
#include <stdint.h>

#include "board.h"

const char board_counter[] = "pmccntr@1GHz";
const uint32_t board_counter_step = 1;

static uint32_t frequency;

void board_init(void) {
  uint32_t pmcr;
  __asm volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(frequency)); /* CNTFRQ */
  __asm volatile("mrc p15, 0, %0, c9, c12, 0" : "=r"(pmcr));
  pmcr |= (1u << 0) | (1u << 2); /* E: enable, C: reset the cycle counter */
  pmcr &= ~(1u << 3);            /* D = 0: count every cycle, not every 64th */
  __asm volatile("mcr p15, 0, %0, c9, c12, 0" ::"r"(pmcr));
  __asm volatile("mcr p15, 0, %0, c9, c12, 1" ::"r"(1u << 31)); /* PMCNTENSET: cycle counter */
  __asm volatile("isb");
}

void board_read(board_count_t *count) {
  uint32_t lo, hi, cycles;
  __asm volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi)); /* CNTVCT */
  __asm volatile("mrc p15, 0, %0, c9, c13, 0" : "=r"(cycles));            /* PMCCNTR */
  count->coarse = ((uint64_t)hi << 32) | lo;
  count->exact = cycles;
}

uint64_t board_elapsed(const board_count_t *from, const board_count_t *to) {
  uint64_t ticks = to->coarse - from->coarse;
  /* ticks × 1e9 / CNTFRQ, without overflowing 64 bits */
  uint64_t coarse = (ticks / frequency) * 1000000000ull + (ticks % frequency) * 1000000000ull / frequency;
  return board_unwrap(coarse, to->exact - from->exact);
}
