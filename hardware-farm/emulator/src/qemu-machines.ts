import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

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
