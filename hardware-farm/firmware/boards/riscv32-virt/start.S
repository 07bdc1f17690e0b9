/*
 * QEMU riscv32 virt (rv32imc), started with -bios none: the reset vector jumps to 0x80000000 in machine mode.
 * Sets gp and sp, copies .data, zeroes .bss, traps to a handler that ends the run, paints the stack, calls main.
 */
  .section .text.boot, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top
  la t0, trap_entry
  csrw mtvec, t0

  la t0, __data_load
  la t1, __data_start
  la t2, __data_end
1:bgeu t1, t2, 2f
  lw t3, 0(t0)
  sw t3, 0(t1)
  addi t0, t0, 4
  addi t1, t1, 4
  j 1b
2:la t1, __bss_start
  la t2, __bss_end
3:bgeu t1, t2, 4f
  sw zero, 0(t1)
  addi t1, t1, 4
  j 3b
4:call stack_paint
  call main
5:j 5b

  .align 4
trap_entry:
  csrr a0, mcause
  call harness_fault
6:j 6b

/* The semihosting trap: this exact uncompressed sequence, which QEMU recognises around the ebreak. */
  .text
  .globl sh_call
  .align 4
sh_call:
  .option push
  .option norvc
  slli zero, zero, 0x1f
  ebreak
  srai zero, zero, 7
  .option pop
  ret
