# The golden test cross-built for a farm board (BOARD and FW_DIR come from the toolchain file): it links the
# benchmark firmware's own start-up, linker script, semihosting and instruction counter (hardware-farm/firmware),
# with board_platform.c mapping tml_test_platform.h onto them. The test needs more memory than the catalog target's
# (a 2 MB test arena), so it asks the board's linker script for 4 MB of QEMU's RAM. newlib's printf may take heap
# through sbrk, which starts at `end`: the test's heap begins after .bss, far below the stack at the top of RAM.
enable_language(ASM)
target_compile_definitions(tml_golden_test PRIVATE TML_TEST_SEMIHOSTING)
set_property(SOURCE "${CMAKE_CURRENT_SOURCE_DIR}/tests/tml_golden_test.c" APPEND PROPERTY COMPILE_DEFINITIONS
  main=tml_golden_main)
target_sources(tml_golden_test PRIVATE ${BOARD_SOURCES} "${FW_DIR}/common/semihost.c" "${FW_DIR}/common/stack_paint.c"
  "${CMAKE_CURRENT_LIST_DIR}/board_platform.c")
target_include_directories(tml_golden_test PRIVATE "${FW_DIR}/common")
target_link_options(tml_golden_test PRIVATE -nostartfiles -Wl,--gc-sections -Wl,--no-warn-rwx-segments
  "-Wl,-L,${FW_DIR}/common" -T "${BOARD_LINKER_SCRIPT}" -Wl,--defsym=TML_RAM_BYTES=4M
  -Wl,--defsym=end=__bss_end)
set_target_properties(tml_golden_test PROPERTIES SUFFIX ".elf")
