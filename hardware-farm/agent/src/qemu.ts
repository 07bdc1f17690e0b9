import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { HARDWARE_TARGETS, type TargetId } from "@tinyml/workflows/contracts";

const run = promisify(execFile);

/** The QEMU binary and machine arguments that emulate a target's board. */
export function qemuMachineArgs(target: TargetId): { binary: string; args: string[] } {
  const emulator = HARDWARE_TARGETS[target].emulator;
  if (emulator.kind !== "qemu") {
    throw new Error(`target "${target}" has no emulator: ${emulator.reason}`);
  }
  const args = ["-machine", emulator.machine, ...(emulator.cpu ? ["-cpu", emulator.cpu] : [])];
  return { binary: emulator.binary, args };
}

/** The machine names an installed QEMU binary supports (`-machine help`). */
export async function qemuMachines(binary: string): Promise<Set<string>> {
  const { stdout } = await run(binary, ["-machine", "help"]);
  const names = stdout
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((name): name is string => Boolean(name));
  return new Set(names);
}
