/*
 * RISC-V instruction counter: the minstret/minstreth CSRs, 64 bits. QEMU implements them from its instruction
 * counter when run with -icount, so they count executed instructions exactly.
 */
#include <stdint.h>

#include "board.h"

const char board_counter[] = "minstret";
const uint32_t board_counter_step = 1;

void board_init(void) {}

void board_read(board_count_t *count) {
  uint32_t hi, lo, hi2;
  do {
    __asm volatile("csrr %0, minstreth" : "=r"(hi));
    __asm volatile("csrr %0, minstret" : "=r"(lo));
    __asm volatile("csrr %0, minstreth" : "=r"(hi2));
  } while (hi != hi2);
  count->coarse = ((uint64_t)hi << 32) | lo;
  count->exact = lo;
}

uint64_t board_elapsed(const board_count_t *from, const board_count_t *to) {
  return to->coarse - from->coarse;
}
