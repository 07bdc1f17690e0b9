import { z } from "zod";

/**
 * The public hardware target catalog: the six targets of the original specification with their published
 * figures, each mapped to the emulated board that stands in for it until a real board is attached.
 * The linker script of an emulated board uses the target's RAM and flash sizes (the STM32 board: the
 * STM32F405's own 1 MB and 192 KB, below the catalog's), so a model that does not fit fails to link, as on the chip.
 */

export const TARGET_IDS = ["cortex-m4", "cortex-m7", "riscv", "esp32", "stm32", "cortex-a"] as const;
export const TargetId = z.enum(TARGET_IDS);
export type TargetId = z.infer<typeof TargetId>;

/** How a target is emulated: a QEMU system binary and machine, or no emulator (figures are estimates). */
export const Emulator = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("qemu"),
    /** QEMU system emulator binary, from Debian's qemu-system-arm / qemu-system-misc. */
    binary: z.enum(["qemu-system-arm", "qemu-system-aarch64", "qemu-system-riscv32"]),
    /** `-machine` value. */
    machine: z.string().min(1),
    /** `-cpu` value (the core the firmware is built for). */
    cpu: z.string().min(1).optional(),
    /** Other options the bare-metal image needs (`-bios none`: no OpenSBI on riscv virt; `-nic none` on Arm virt). */
    extraArgs: z.array(z.string()).default([]),
    /** The board as named in ARCHITECTURE.md. */
    board: z.string().min(1),
  }),
  z.object({ kind: z.literal("none"), reason: z.string().min(1) }),
]);
export type Emulator = z.infer<typeof Emulator>;

export const HardwareTarget = z.object({
  id: TargetId,
  name: z.string(),
  /** The processor core. */
  core: z.string(),
  /** Instruction set the firmware is compiled for. */
  isa: z.enum(["armv7e-m", "armv7-m", "rv32imc", "xtensa-lx6", "armv7-a"]),
  clockMhz: z.number().positive(),
  ramBytes: z.number().int().positive(),
  flashBytes: z.number().int().positive(),
  emulator: Emulator,
});
export type HardwareTarget = z.infer<typeof HardwareTarget>;

const KiB = 1024;
const MiB = 1024 * 1024;

export const HARDWARE_TARGETS: Readonly<Record<TargetId, HardwareTarget>> = Object.freeze({
  "cortex-m4": {
    id: "cortex-m4",
    name: "ARM Cortex-M4",
    core: "Arm Cortex-M4F",
    isa: "armv7e-m",
    clockMhz: 84,
    ramBytes: 256 * KiB,
    flashBytes: 1 * MiB,
    emulator: {
      kind: "qemu",
      binary: "qemu-system-arm",
      machine: "mps2-an386",
      cpu: "cortex-m4",
      extraArgs: [],
      board: "Arm MPS2 AN386 (Cortex-M4F)",
    },
  },
  "cortex-m7": {
    id: "cortex-m7",
    name: "ARM Cortex-M7",
    core: "Arm Cortex-M7",
    isa: "armv7e-m",
    clockMhz: 216,
    ramBytes: 512 * KiB,
    flashBytes: 2 * MiB,
    emulator: {
      kind: "qemu",
      binary: "qemu-system-arm",
      machine: "mps2-an500",
      cpu: "cortex-m7",
      extraArgs: [],
      board: "Arm MPS2 AN500 (Cortex-M7)",
    },
  },
  riscv: {
    id: "riscv",
    name: "RISC-V",
    core: "RV32IMC",
    isa: "rv32imc",
    clockMhz: 100,
    ramBytes: 128 * KiB,
    flashBytes: 512 * KiB,
    emulator: {
      kind: "qemu",
      binary: "qemu-system-riscv32",
      machine: "virt",
      extraArgs: ["-bios", "none"],
      board: "QEMU riscv32 virt (rv32imc)",
    },
  },
  esp32: {
    id: "esp32",
    name: "ESP32",
    core: "Xtensa LX6",
    isa: "xtensa-lx6",
    clockMhz: 240,
    ramBytes: 520 * KiB,
    flashBytes: 4 * MiB,
    emulator: {
      kind: "none",
      reason:
        "no emulator of the Xtensa LX6 core is available: figures are estimates until a board or core model exists",
    },
  },
  stm32: {
    id: "stm32",
    name: "STM32",
    core: "STM32F405 (Arm Cortex-M4F)",
    isa: "armv7e-m",
    clockMhz: 168,
    ramBytes: 384 * KiB,
    flashBytes: 1536 * KiB,
    emulator: {
      kind: "qemu",
      binary: "qemu-system-arm",
      machine: "netduinoplus2",
      extraArgs: [],
      board: "Netduino Plus 2 (STM32F405)",
    },
  },
  "cortex-a": {
    id: "cortex-a",
    name: "ARM Cortex-A",
    core: "Arm Cortex-A (Armv7-A)",
    isa: "armv7-a",
    clockMhz: 1000,
    ramBytes: 1 * MiB,
    flashBytes: 8 * MiB,
    emulator: {
      kind: "qemu",
      binary: "qemu-system-arm",
      machine: "virt",
      cpu: "cortex-a15",
      extraArgs: ["-nic", "none"],
      board: "QEMU virt (Cortex-A15)",
    },
  },
});

/** The catalog as a list, in the order of the original specification. */
export const hardwareTargets = (): HardwareTarget[] => TARGET_IDS.map((id) => HARDWARE_TARGETS[id]);

/** Looks a target up by id; `undefined` for an unknown id (validate input with `TargetId` first). */
export const findHardwareTarget = (id: string): HardwareTarget | undefined =>
  TargetId.safeParse(id).success ? HARDWARE_TARGETS[id as TargetId] : undefined;

/**
 * The QEMU binary and machine arguments that emulate a target's board (the runner adds -icount, semihosting and
 * -kernel). Throws for a target without an emulator, with the catalog's reason.
 */
export function qemuMachineArgs(target: TargetId): { binary: string; args: string[] } {
  const emulator = HARDWARE_TARGETS[target].emulator;
  if (emulator.kind !== "qemu") throw new Error(`target "${target}" has no emulator: ${emulator.reason}`);
  const args = ["-machine", emulator.machine, ...(emulator.cpu ? ["-cpu", emulator.cpu] : []), ...emulator.extraArgs];
  return { binary: emulator.binary, args };
}

/**
 * The options that run the benchmark firmware in QEMU: deterministic instruction counting (`-icount shift=0`, one
 * instruction = 1 ns of virtual time) and semihosting for the harness's files and console (hardware-farm/firmware).
 */
export const QEMU_HARNESS_ARGS: readonly string[] = Object.freeze([
  "-nographic",
  "-monitor",
  "none",
  "-serial",
  "none",
  "-icount",
  "shift=0",
  "-semihosting-config",
  "enable=on,target=native",
]);

/** The whole QEMU command line that runs a firmware image on a target's emulated board. */
export function qemuFirmwareCommand(target: TargetId, elf: string): string[] {
  const { binary, args } = qemuMachineArgs(target);
  return [binary, ...args, ...QEMU_HARNESS_ARGS, "-kernel", elf];
}
