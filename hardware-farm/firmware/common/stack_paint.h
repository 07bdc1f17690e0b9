/*
 * Stack painting: at boot, before main, every word between the end of static RAM (__stack_bottom) and just below
 * the live stack pointer is filled with a pattern; after the runs the lowest word that no longer holds it marks
 * the deepest the stack ever reached (its high-water mark). Exact for code that writes what it reserves; a frame
 * that reserves space it never writes would be missed, which C compilers do not emit for locals they use.
 */
#ifndef TML_FW_STACK_PAINT_H
#define TML_FW_STACK_PAINT_H

#include <stdint.h>

#define STACK_PAINT_PATTERN 0x5AC3A55Cu

/* Fills [__stack_bottom, sp - margin) with the pattern; call from the reset handler. */
void stack_paint(void);
/* Bytes between the stack top and the deepest painted word overwritten. */
uint32_t stack_peak_bytes(void);
/* Bytes the stack may grow to (top minus bottom). */
uint32_t stack_size_bytes(void);

#endif
