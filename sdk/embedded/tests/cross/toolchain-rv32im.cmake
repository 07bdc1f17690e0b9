# Cross build of the golden test for RV32IM(C) with picolibc on the farm's riscv32-virt board (QEMU virt).
set(BOARD riscv32-virt)
include("${CMAKE_CURRENT_LIST_DIR}/farm-board.cmake")
set(TML_ARCH rv32im CACHE STRING "" FORCE)
set(TML_QEMU qemu-system-riscv32 -M virt -bios none CACHE STRING "" FORCE)
