import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EngineError } from "../errors.js";
import type { EmulatedBoard } from "./boards.js";

/** The harness's final line (hardware-farm/firmware/common/harness.c). */
export interface HarnessSummary {
  inferences: number;
  init_instructions: number;
  peak_stack_bytes: number;
  stack_bytes: number;
  arena_bytes: number;
  counter: string;
  counter_step: number;
}

export interface FirmwareRun {
  /** Instructions of each inference, in input order. */
  instructions: number[];
  summary: HarnessSummary;
  /** The raw output bytes of every inference, concatenated. */
  outputs: Uint8Array;
  /** The QEMU command line, for the record. */
  command: string[];
}

const HARNESS_STATUS: Record<number, string> = {
  2: "host file I/O through semihosting failed",
  3: "the CPU faulted",
  4: "tml_model_init failed",
  5: "tml_model_run failed",
};

/**
 * Runs a firmware image in QEMU under -icount shift=0 (one instruction = 1 ns of virtual time, deterministic) with
 * semihosting, in a fresh folder holding `input.bin`; returns the per-inference instruction counts, the harness's
 * summary and `output.bin`.
 */
export async function runFirmware(options: {
  board: EmulatedBoard;
  elf: string;
  inputs: Uint8Array;
  timeoutMs?: number;
}): Promise<FirmwareRun> {
  const { board, elf, inputs, timeoutMs = 600_000 } = options;
  const dir = await mkdtemp(join(tmpdir(), "tinyml-qemu-"));
  try {
    await writeFile(join(dir, "input.bin"), inputs);
    const args = [
      ...board.qemuArgs,
      "-nographic",
      "-monitor",
      "none",
      "-serial",
      "none",
      "-icount",
      "shift=0",
      "-semihosting-config",
      "enable=on,target=native",
      "-kernel",
      elf,
    ];
    const { status, stdout, stderr } = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(board.qemuBinary, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
        });
        child.stderr.on("data", (d: Buffer) => {
          err += d.toString();
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("error", (e) => {
          clearTimeout(timer);
          reject(new EngineError("UNSUPPORTED_MODEL", `cannot start ${board.qemuBinary}: ${e.message}`));
        });
        child.on("close", (code, signal) => {
          clearTimeout(timer);
          resolve({ status: signal ? null : code, stdout: out, stderr: err });
        });
      },
    );
    // QEMU writes the semihosting console to stderr (no chardev given): the harness's JSON lines are there.
    const lines = `${stdout}\n${stderr}`
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    if (status !== 0) {
      // what QEMU itself said (the harness's own lines are reported above)
      const qemuMessages = stderr
        .split("\n")
        .filter((l) => l.trim() && !l.startsWith("{"))
        .slice(-10)
        .join("\n");
      const error = lines.find((l) => "error" in l);
      const why =
        status === null ? `timed out after ${timeoutMs / 1000} s` : (HARNESS_STATUS[status] ?? `exit status ${status}`);
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `the firmware failed on ${board.board}: ${why}${error ? ` (${JSON.stringify(error)})` : ""}${qemuMessages ? `\n${qemuMessages}` : ""}`,
      );
    }
    const summary = lines.find((l) => l.done === true) as unknown as HarnessSummary | undefined;
    if (!summary) throw new EngineError("UNSUPPORTED_MODEL", `the firmware on ${board.board} printed no summary`);
    const instructions = lines.filter((l) => typeof l.i === "number").map((l) => l.instructions as number);
    const outputs = new Uint8Array(await readFile(join(dir, "output.bin")));
    return { instructions, summary, outputs, command: [board.qemuBinary, ...args] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
