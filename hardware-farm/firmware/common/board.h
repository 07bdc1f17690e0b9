/*
 * What a board gives the harness: bring-up after the C runtime is ready, and an instruction counter.
 * Under `qemu -icount shift=0` every executed instruction advances virtual time by exactly 1 ns, so a timer
 * clocked from virtual time counts instructions (in steps of its tick: 40 on the 25 MHz MPS2 timers, 1 on the
 * 1 GHz STM32 timer model and the Armv7-A cycle counter); RISC-V's minstret counts them directly.
 */
#ifndef TML_FW_BOARD_H
#define TML_FW_BOARD_H

#include <stdint.h>

void board_init(void);

/* A reading of the board's counters: the exact one's low 32 bits, and a wider coarse one where the board has it.
 */
typedef struct {
  uint32_t exact;
  uint64_t coarse;
} board_count_t;

/* Reads the counters, in a fixed number of instructions (the harness subtracts that cost). */
void board_read(board_count_t *count);
/* Executed instructions between two readings. */
uint64_t board_elapsed(const board_count_t *from, const board_count_t *to);

/* How the count is obtained, for the report line (e.g. "cmsdk-apb-timer0@25MHz"). */
extern const char board_counter[];
/* Instructions per counter tick (the count's resolution). */
extern const uint32_t board_counter_step;

/*
 * A 32-bit exact counter wraps every 2^32 instructions (4.3 s of virtual time). Boards whose exact counter is
 * 32 bits wide also read a coarse counter that does not wrap within a run; the coarse count of instructions,
 * right to within 2^31, picks which wrap of the exact count's low 32 bits is the true one.
 */
static inline uint64_t board_unwrap(uint64_t coarse, uint32_t exact_low) {
  int32_t delta = (int32_t)(exact_low - (uint32_t)coarse);
  if (delta < 0 && (uint64_t)(-(int64_t)delta) > coarse) return exact_low;
  return coarse + (uint64_t)(int64_t)delta;
}

#endif
