# Cross build of the golden test for Armv7E-M (Cortex-M4F, DSP + FPv4-SP) on the farm's mps2-an386 board (QEMU).
set(BOARD mps2-an386)
include("${CMAKE_CURRENT_LIST_DIR}/farm-board.cmake")
# full newlib: the test prints 64-bit counts (%llu), which newlib-nano's printf lacks
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nosys.specs")
set(TML_ARCH armv7em CACHE STRING "" FORCE)
set(TML_QEMU qemu-system-arm -M mps2-an386 -cpu cortex-m4 CACHE STRING "" FORCE)
