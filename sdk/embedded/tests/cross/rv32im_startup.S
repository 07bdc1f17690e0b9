/* Test-only start-up for the golden test on QEMU riscv32 virt: gp, sp, trap vector, .bss zeroed, then
   rv32im_main (command line from semihosting, main, exit status through semihosting). Traps exit with 3. */
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
  la t1, __bss_start
  la t2, __bss_end
1:bgeu t1, t2, 2f
  sw zero, 0(t1)
  addi t1, t1, 4
  j 1b
2:call rv32im_main
3:j 3b

  .align 4
trap_entry:
  li a0, 3
  call tml_test_exit
4:j 4b
