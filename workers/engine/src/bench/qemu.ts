import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  HARNESS_EXIT_STATUS,
  type HarnessSummary,
  parseHarnessOutput,
  qemuFirmwareCommand,
} from "@tinyml/workflows/contracts";
import { EngineError } from "../errors.js";
import type { EmulatedBoard } from "./boards.js";

export interface FirmwareRun {
  /** Instructions of each inference, in input order. */
  perInference: number[];
  summary: HarnessSummary;
  /** The raw output bytes of every inference, concatenated. */
  outputs: Uint8Array;
  /** The QEMU command line, for the record. */
  command: string[];
}

/** QEMU's command line for a firmware image: deterministic instruction counting and semihosting. */
export function qemuCommand(board: EmulatedBoard, elf: string): string[] {
  return qemuFirmwareCommand(board.target, elf);
}

/**
 * Runs a firmware image in QEMU under -icount shift=0 (one instruction = 1 ns of virtual time, deterministic) with
 * semihosting, in a fresh folder holding `input.bin`; returns the per-inference instruction counts, the harness's
 * summary and `output.bin`. The harness's lines are read with the grid's protocol (`parseHarnessOutput`), as a farm
 * agent reads them. An aborted `signal` kills QEMU.
 */
export async function runFirmware(options: {
  board: EmulatedBoard;
  elf: string;
  inputs: Uint8Array;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<FirmwareRun> {
  const { board, elf, inputs, timeoutMs = 600_000, signal } = options;
  const dir = await mkdtemp(join(tmpdir(), "tinyml-qemu-"));
  try {
    await writeFile(join(dir, "input.bin"), inputs);
    const command = qemuCommand(board, elf);
    const { status, stdout, stderr, aborted } = await new Promise<{
      status: number | null;
      stdout: string;
      stderr: string;
      aborted: boolean;
    }>((resolve, reject) => {
      const child = spawn(command[0] as string, command.slice(1), { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      let killedByAbort = false;
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const onAbort = () => {
        killedByAbort = true;
        child.kill("SIGKILL");
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      child.on("error", (e) => {
        done();
        reject(new EngineError("UNSUPPORTED_MODEL", `cannot start ${board.qemuBinary}: ${e.message}`));
      });
      child.on("close", (code, sig) => {
        done();
        resolve({ status: sig ? null : code, stdout: out, stderr: err, aborted: killedByAbort });
      });
    });
    if (aborted) throw signal?.reason ?? new Error("the firmware run was aborted");
    // QEMU writes the semihosting console to stderr (no chardev given): the harness's JSON lines are there.
    const harness = parseHarnessOutput(`${stdout}\n${stderr}`);
    if (status !== 0) {
      // what QEMU itself said (the harness's own lines are reported above)
      const qemuMessages = harness.other.slice(-10).join("\n");
      const why =
        status === null
          ? `timed out after ${timeoutMs / 1000} s`
          : (HARNESS_EXIT_STATUS[status] ?? `exit status ${status}`);
      const error = harness.error ? ` (${JSON.stringify(harness.error)})` : "";
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `the firmware failed on ${board.board}: ${why}${error}${qemuMessages ? `\n${qemuMessages}` : ""}`,
      );
    }
    if (!harness.summary)
      throw new EngineError("UNSUPPORTED_MODEL", `the firmware on ${board.board} printed no summary`);
    const outputs = new Uint8Array(await readFile(join(dir, "output.bin")));
    return { perInference: harness.perInference, summary: harness.summary, outputs, command };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
