# Shared by the toolchain files: the farm board BOARD's compiler and flags (hardware-farm/firmware/boards/boards.cmake
# and cmake/), so that the golden test is built as the benchmark firmware is for that board.
get_filename_component(FW_DIR "${CMAKE_CURRENT_LIST_DIR}/../../../../hardware-farm/firmware" ABSOLUTE)
include("${FW_DIR}/boards/boards.cmake")
include("${FW_DIR}/cmake/${BOARD_TOOLCHAIN}.cmake")
string(JOIN " " _board_flags ${BOARD_FLAGS})
set(CMAKE_C_FLAGS_INIT "${_board_flags} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${_board_flags}")
