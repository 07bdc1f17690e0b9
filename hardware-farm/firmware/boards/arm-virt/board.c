/*
 * Armv7-A instruction counter: the PMU cycle counter PMCCNTR. QEMU derives it from virtual time at 1 GHz, so under
 * -icount shift=0 it advances by one per executed instruction. 32 bits wide: wraps (every 4.3 s of virtual time) are
 * folded into 64 bits on each read.
 */
#include <stdint.h>

#include "board.h"

const char board_counter[] = "pmccntr@1GHz";
const uint32_t board_counter_step = 1;

static uint32_t last;
static uint64_t high;

static uint32_t read_pmccntr(void) {
  uint32_t v;
  __asm volatile("mrc p15, 0, %0, c9, c13, 0" : "=r"(v));
  return v;
}

void board_init(void) {
  uint32_t pmcr;
  __asm volatile("mrc p15, 0, %0, c9, c12, 0" : "=r"(pmcr));
  pmcr |= (1u << 0) | (1u << 2); /* E: enable, C: reset the cycle counter */
  pmcr &= ~(1u << 3);             /* D = 0: count every cycle, not every 64th */
  __asm volatile("mcr p15, 0, %0, c9, c12, 0" ::"r"(pmcr));
  __asm volatile("mcr p15, 0, %0, c9, c12, 1" ::"r"(1u << 31)); /* PMCNTENSET: cycle counter */
  __asm volatile("isb");
  last = read_pmccntr();
  high = 0;
}

uint64_t board_instructions(void) {
  uint32_t now = read_pmccntr();
  if (now < last) high += 1ull << 32;
  last = now;
  return high + now;
}
