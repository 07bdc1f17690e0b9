/*
 * QEMU virt with a Cortex-A15 (Armv7-A), loaded with -kernel: the CPU enters _start in SVC mode, MMU and caches off.
 * Sets the stack, enables VFP/NEON (CPACR CP10/CP11, FPEXC.EN), installs the vector base, copies .data, zeroes
 * .bss, paints the stack and calls main. Unaligned accesses are allowed (SCTLR.A = 0).
 */
  .syntax unified
  .arm
  .section .text.boot, "ax"
  .globl _start
_start:
  ldr sp, =__stack_top
  ldr r0, =vectors
  mcr p15, 0, r0, c12, c0, 0      @ VBAR
  mrc p15, 0, r0, c1, c0, 0       @ SCTLR
  bic r0, r0, #(1 << 1)           @ A = 0: no alignment faults
  bic r0, r0, #(1 << 13)          @ V = 0: vectors at VBAR
  mcr p15, 0, r0, c1, c0, 0
  mrc p15, 0, r0, c1, c0, 2       @ CPACR
  orr r0, r0, #(0xF << 20)        @ CP10, CP11 full access
  mcr p15, 0, r0, c1, c0, 2
  isb
  mov r0, #(1 << 30)              @ FPEXC.EN
  vmsr fpexc, r0

  ldr r0, =__data_load
  ldr r1, =__data_start
  ldr r2, =__data_end
1:cmp r1, r2
  ldrlo r3, [r0], #4
  strlo r3, [r1], #4
  blo 1b
  ldr r1, =__bss_start
  ldr r2, =__bss_end
  mov r3, #0
2:cmp r1, r2
  strlo r3, [r1], #4
  blo 2b
  bl stack_paint
  bl main
3:b 3b

/* Every exception but reset ends the run; r0 = the vector offset / 4. */
  .align 5
vectors:
  b _start
  b undef_trap
  b swi_trap
  b pabt_trap
  b dabt_trap
  nop
  b irq_trap
  b fiq_trap
undef_trap: mov r0, #1
  b fault
swi_trap: mov r0, #2
  b fault
pabt_trap: mov r0, #3
  b fault
dabt_trap: mov r0, #4
  b fault
irq_trap: mov r0, #6
  b fault
fiq_trap: mov r0, #7
fault:
  ldr sp, =__stack_top
  bl harness_fault
4:b 4b

/* The A32 semihosting trap. */
  .text
  .globl sh_call
sh_call:
  svc 0x123456
  bx lr
