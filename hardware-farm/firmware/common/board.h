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
/* Executed instructions since board_init (monotonic, 64 bits wide). */
uint64_t board_instructions(void);
/* How the count is obtained, for the report line (e.g. "cmsdk-timer0@25MHz"). */
extern const char board_counter[];
/* Instructions per counter tick (the count's resolution). */
extern const uint32_t board_counter_step;

#endif
