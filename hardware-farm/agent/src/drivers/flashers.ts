import type { ProbeConnection } from "../agent-config.js";

/**
 * How each debug-probe tool flashes an image and then runs it with semihosting served from the current directory
 * (the harness opens `input.bin` and `output.bin` through it). A registry: a new tool is one entry.
 *
 * - OpenOCD: `program … verify exit` writes and verifies flash; the run is a second OpenOCD that enables
 *   semihosting and resets the core, and stays up serving semihosting until the agent ends it.
 * - pyOCD: `pyocd load` writes flash; `pyocd run` (pyOCD's run subcommand) resets the core and serves
 *   semihosting until the time limit or the end of the program.
 */
export interface Flasher {
  /** The executable that must be on PATH. */
  tool: string;
  flash(connection: ProbeConnection, firmwareElf: string): string[];
  run(connection: ProbeConnection, firmwareElf: string, timeoutMs: number): string[];
}

const openocdSetup = (c: ProbeConnection): string[] => [
  "-f",
  c.interface,
  "-c",
  `adapter serial ${c.probe}`,
  "-f",
  c.toolTarget,
];

export const FLASHERS: Readonly<Record<ProbeConnection["flasher"], Flasher>> = Object.freeze({
  openocd: {
    tool: "openocd",
    flash: (c, elf) => ["openocd", ...openocdSetup(c), "-c", `program ${elf} verify exit`],
    run: (c) => [
      "openocd",
      ...openocdSetup(c),
      "-c",
      "init",
      "-c",
      "reset halt",
      "-c",
      "arm semihosting enable",
      "-c",
      "reset run",
    ],
  },
  pyocd: {
    tool: "pyocd",
    flash: (c, elf) => ["pyocd", "load", "--target", c.toolTarget, "--uid", c.probe, "--format", "elf", elf],
    run: (c, elf, timeoutMs) => [
      "pyocd",
      "run",
      "--target",
      c.toolTarget,
      "--uid",
      c.probe,
      "--timelimit",
      String(Math.ceil(timeoutMs / 1000)),
      elf,
    ],
  },
});
