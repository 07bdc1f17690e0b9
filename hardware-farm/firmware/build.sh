#!/bin/sh
# Builds the benchmark firmware for one board and one model:
#   hardware-farm/firmware/build.sh BOARD MODEL_C_DIR BUILD_DIR [-DTML_ARCH=ref ...]
# BOARD: mps2-an386 | mps2-an500 | netduinoplus2 | riscv32-virt | arm-virt. Writes BUILD_DIR/fw.elf (and fw.map).
set -eu
if [ $# -lt 3 ]; then
  echo "usage: $0 BOARD MODEL_C_DIR BUILD_DIR [cmake -D options]" >&2
  exit 2
fi
board=$1 model=$2 build=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
model=$(cd "$model" && pwd)
generator=""
if command -v ninja >/dev/null 2>&1; then generator="-G Ninja"; fi
# shellcheck disable=SC2086
cmake -S "$here" -B "$build" $generator -DBOARD="$board" -DTML_MODEL_DIR="$model" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build"
