#include "stack_paint.h"

extern uint32_t __stack_bottom[];
extern uint32_t __stack_top[];

/* Kept out of line and small: it paints below its own frame, leaving a margin for it. */
__attribute__((noinline)) void stack_paint(void) {
  volatile uint32_t *p = __stack_bottom;
  uint32_t here = (uint32_t)(uintptr_t)__builtin_frame_address(0);
  volatile uint32_t *end = (volatile uint32_t *)(uintptr_t)((here - 256u) & ~3u);
  while (p < end) *p++ = STACK_PAINT_PATTERN;
}

uint32_t stack_peak_bytes(void) {
  const uint32_t *p = __stack_bottom;
  while (p < __stack_top && *p == STACK_PAINT_PATTERN) p++;
  return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

uint32_t stack_size_bytes(void) {
  return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_bottom);
}
