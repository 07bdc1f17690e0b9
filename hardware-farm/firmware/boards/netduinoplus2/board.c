/*
 * STM32F405 instruction counter: TIM2 (0x40000000), a 32-bit up-counter, prescaler 0, auto-reload 0xFFFFFFFF.
 * QEMU's STM32F2xx timer model is clocked at 1 GHz of virtual time, so under -icount shift=0 it counts one tick per
 * executed instruction (on the chip TIM2 would run at 84 MHz; on QEMU no clock tree is modelled). The RCC enable
 * bit is set as firmware for the real chip must. Wraps (every 4.3 s of virtual time) are folded into 64 bits.
 */
#include <stdint.h>

#include "board.h"

#define RCC_APB1ENR (*(volatile uint32_t *)0x40023840u)
#define TIM2_CR1 (*(volatile uint32_t *)0x40000000u)
#define TIM2_EGR (*(volatile uint32_t *)0x40000014u)
#define TIM2_CNT (*(volatile uint32_t *)0x40000024u)
#define TIM2_PSC (*(volatile uint32_t *)0x40000028u)
#define TIM2_ARR (*(volatile uint32_t *)0x4000002Cu)

const char board_counter[] = "stm32-tim2@1GHz";
const uint32_t board_counter_step = 1;

static uint32_t last;
static uint64_t high;

void board_init(void) {
  RCC_APB1ENR |= 1u; /* TIM2EN */
  TIM2_CR1 = 0;
  TIM2_PSC = 0;
  TIM2_ARR = 0xFFFFFFFFu;
  TIM2_EGR = 1u; /* update: load PSC and ARR */
  TIM2_CR1 = 1u; /* CEN */
  last = TIM2_CNT;
  high = 0;
}

uint64_t board_instructions(void) {
  uint32_t now = TIM2_CNT;
  if (now < last) high += 1ull << 32;
  last = now;
  return high + now;
}
