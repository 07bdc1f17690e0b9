# Cross build of the golden test for Armv7E-M (Cortex-M4F, DSP + FPv4-SP), run on QEMU mps2-an386.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nosys.specs -nostartfiles -Wl,--gc-sections -Wl,--no-warn-rwx-segments")
set(TML_ARCH armv7em CACHE STRING "" FORCE)
set(TML_QEMU qemu-system-arm -M mps2-an386 -cpu cortex-m4 CACHE STRING "" FORCE)
