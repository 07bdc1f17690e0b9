/*
 * STM32F405 instruction counter: TIM2 (0x40000000), a 32-bit up-counter with prescaler 0. QEMU's STM32F2xx timer
 * model is clocked at 1 GHz of virtual time, so under -icount shift=0 it counts one tick per executed instruction
 * (on the chip TIM2 would run at 84 MHz; QEMU models no clock tree). It wraps every 2^32 instructions, so TIM5
 * (0x40000C00, 32 bits) runs beside it with prescaler 65536 (one tick per 65536 instructions, wrapping after
 * 2.8e14) and picks the wrap (board_unwrap). The RCC enable bits are set as firmware for the real chip must.
 */
#include <stdint.h>

#include "board.h"

#define RCC_APB1ENR (*(volatile uint32_t *)0x40023840u)
#define TIM_CR1(base) (*(volatile uint32_t *)((base) + 0x00u))
#define TIM_EGR(base) (*(volatile uint32_t *)((base) + 0x14u))
#define TIM_CNT(base) (*(volatile uint32_t *)((base) + 0x24u))
#define TIM_PSC(base) (*(volatile uint32_t *)((base) + 0x28u))
#define TIM_ARR(base) (*(volatile uint32_t *)((base) + 0x2Cu))
#define TIM2 0x40000000u
#define TIM5 0x40000C00u
#define TIM5_PRESCALE 65536u

const char board_counter[] = "stm32-tim2@1GHz";
const uint32_t board_counter_step = 1;

static void start(uint32_t tim, uint32_t prescale) {
  TIM_CR1(tim) = 0;
  TIM_PSC(tim) = prescale - 1u;
  TIM_ARR(tim) = 0xFFFFFFFFu;
  TIM_EGR(tim) = 1u; /* update: load PSC and ARR, clear the counter */
  TIM_CR1(tim) = 1u; /* CEN */
}

void board_init(void) {
  RCC_APB1ENR |= (1u << 0) | (1u << 3); /* TIM2EN, TIM5EN */
  start(TIM5, TIM5_PRESCALE);
  start(TIM2, 1u);
}

void board_read(board_count_t *count) {
  count->coarse = TIM_CNT(TIM5);
  count->exact = TIM_CNT(TIM2);
}

uint64_t board_elapsed(const board_count_t *from, const board_count_t *to) {
  uint64_t coarse = (uint64_t)(uint32_t)(to->coarse - from->coarse) * TIM5_PRESCALE;
  return board_unwrap(coarse, to->exact - from->exact);
}
