import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type FirmwareRunFigures,
  qemuFirmwareCommand,
  qemuMachineArgs,
  type TargetId,
} from "@tinyml/workflows/contracts";
import { BoardHungError, BoardRunAbortedError, BoardUnavailableError } from "./errors.js";
import { readHarnessRun } from "./harness-result.js";
import { progressCounter, runToDeadline } from "./process.js";
import { qemuMachines } from "./qemu-machines.js";

/** One benchmark run: the firmware image, the inputs the harness reads as `input.bin`. */
export interface FirmwareRunRequest {
  /** Path of the benchmark firmware (an ELF built from hardware-farm/firmware for the board). */
  firmwareElf: string;
  /** `inferences` inputs, back to back (the harness's `input.bin`). */
  inputs: Uint8Array;
  inferences: number;
  /** Bytes of one output: the harness must write `inferences * outputBytes` bytes to `output.bin`. */
  outputBytes: number;
  /** The run is killed after this long and the board reported hung. */
  timeoutMs: number;
  /** Aborting kills the run. */
  signal?: AbortSignal;
  /** Called with the number of inferences done so far, as the harness reports them. */
  onProgress?: (done: number) => void;
}

/** The run's figures (contracts/harness.ts) and the raw output bytes of every inference, concatenated. */
export interface FirmwareRun extends FirmwareRunFigures {
  outputs: Uint8Array;
}

/** The emulated board of a target in a few words, e.g. "QEMU -machine mps2-an386 -cpu cortex-m4 (qemu-system-arm)". */
export function qemuBoardName(target: TargetId): string {
  const { binary, args } = qemuMachineArgs(target);
  return `QEMU ${args.join(" ")} (${binary})`;
}

/** Whether the installed QEMU can emulate the target's board: its binary is on PATH and has the machine. */
export async function checkQemu(target: TargetId): Promise<{ ok: boolean; detail: string }> {
  const { binary, args } = qemuMachineArgs(target);
  const machine = args[1] as string;
  try {
    const machines = await qemuMachines(binary);
    return machines.has(machine)
      ? { ok: true, detail: `${binary} has machine ${machine}` }
      : { ok: false, detail: `${binary} has no machine ${machine}` };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      detail: code === "ENOENT" ? `${binary} not found on PATH` : `${binary}: ${(e as Error).message}`,
    };
  }
}

/**
 * Runs a benchmark firmware on the target's QEMU machine: the one place that starts QEMU for the harness (the farm
 * agent's emulated boards and `tinyml-engine bench` both come here). Under `-icount shift=0` one instruction is
 * 1 ns of virtual time, so the per-inference figures are exact instruction counts, the same on every run and every
 * host; with semihosting the firmware reads `input.bin` and writes `output.bin` in a fresh folder that is QEMU's
 * working directory, and prints its JSON lines on QEMU's stderr (the semihosting console without a chardev).
 *
 * Fails with the errors of ./errors.ts: `FirmwareFailedError` (the firmware's fault, with the harness's reason),
 * `BoardHungError` (no result before the timeout; QEMU killed), `BoardUnavailableError` (QEMU missing or killed by
 * someone else), `BoardRunAbortedError` (the signal aborted; QEMU killed at once).
 */
export async function runOnQemu(target: TargetId, request: FirmwareRunRequest): Promise<FirmwareRun> {
  const board = qemuBoardName(target);
  const dir = await mkdtemp(join(tmpdir(), "tinyml-qemu-"));
  try {
    await writeFile(join(dir, "input.bin"), request.inputs);
    const command = qemuFirmwareCommand(target, request.firmwareElf);
    const outcome = await runToDeadline(command[0] as string, command.slice(1), {
      cwd: dir,
      timeoutMs: request.timeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
      onText: progressCounter(request.onProgress),
    });
    const transcript = `${outcome.stdout}\n${outcome.stderr}`;
    if (outcome.aborted) throw new BoardRunAbortedError(`the run on ${board} was cancelled`);
    if (outcome.timedOut) {
      throw new BoardHungError(board, request.timeoutMs, transcript.trim().split("\n").slice(-3).join("\n"));
    }
    if (outcome.status === null) {
      // killed by someone else (out of memory, an operator): the host's trouble, not the firmware's
      throw new BoardUnavailableError(`${command[0]} was killed before the firmware finished`);
    }
    const outputs = await readFile(join(dir, "output.bin")).catch(() => null);
    const read = readHarnessRun({
      board,
      transcript,
      exitStatus: outcome.status,
      outputs: outputs ? new Uint8Array(outputs) : null,
      inferences: request.inferences,
      outputBytes: request.outputBytes,
    });
    return { ...read, command, source: "emulated" };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
