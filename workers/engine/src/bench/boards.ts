import { HARDWARE_TARGETS, qemuMachineArgs, type TargetId } from "@tinyml/workflows/contracts";

/** The runtime kernel family a firmware build selects (`-DTML_ARCH`). */
export type KernelArch = "armv7em" | "rv32im" | "ref";

/** An emulated board of hardware-farm/firmware and how QEMU runs it. */
export interface EmulatedBoard {
  target: TargetId;
  /** The firmware's BOARD (a folder under hardware-farm/firmware/boards). */
  board: string;
  qemuBinary: string;
  /** Machine arguments; the bench adds -icount, semihosting and -kernel. */
  qemuArgs: string[];
  /** The optimized kernels for this core, used when the generated code ships them; `ref` otherwise. */
  arch: KernelArch;
}

/** Per-target extras beyond the catalog's QEMU machine: the firmware board and the core's kernel family. */
const BOARD_DETAILS: Partial<Record<TargetId, { board: string; arch: KernelArch }>> = {
  "cortex-m4": { board: "mps2-an386", arch: "armv7em" },
  "cortex-m7": { board: "mps2-an500", arch: "armv7em" },
  stm32: { board: "netduinoplus2", arch: "armv7em" },
  riscv: { board: "riscv32-virt", arch: "rv32im" },
  "cortex-a": { board: "arm-virt", arch: "ref" },
};

/** The emulated board of a target, or the reason there is none (ESP32: no emulator of its Xtensa LX6 core). */
export function emulatedBoard(target: TargetId): EmulatedBoard | { unavailable: string } {
  const emulator = HARDWARE_TARGETS[target].emulator;
  const details = BOARD_DETAILS[target];
  if (emulator.kind !== "qemu" || !details) {
    return { unavailable: emulator.kind === "none" ? emulator.reason : `no firmware board for ${target}` };
  }
  const { binary, args } = qemuMachineArgs(target);
  return { target, board: details.board, qemuBinary: binary, qemuArgs: args, arch: details.arch };
}
