import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { qemuFirmwareCommand, qemuMachineArgs, type TargetId } from "@tinyml/workflows/contracts";
import { qemuMachines } from "../qemu.js";
import type { BoardDriver, BoardHealth, BoardRunRequest, BoardRunResult } from "./board-driver.js";
import { BoardHungError, BoardRunAbortedError, BoardUnavailableError } from "./errors.js";
import { readHarnessRun } from "./harness-result.js";
import { progressCounter, runToDeadline } from "./process.js";

/**
 * An emulated board: the target's QEMU machine under `-icount shift=0` (one instruction = 1 ns of virtual time,
 * so the per-inference figures are exact instruction counts, the same on every run and every host) with
 * semihosting: the firmware reads `input.bin` and writes `output.bin` in a fresh folder that is QEMU's working
 * directory, and prints its JSON lines on QEMU's stderr (the semihosting console without a chardev).
 */
export class QemuBoardDriver implements BoardDriver {
  readonly kind = "qemu" as const;
  private readonly binary: string;
  private readonly machineArgs: string[];

  constructor(readonly target: TargetId) {
    const { binary, args } = qemuMachineArgs(target);
    this.binary = binary;
    this.machineArgs = args;
  }

  describe(): string {
    return `QEMU ${this.machineArgs.join(" ")} (${this.binary})`;
  }

  async check(): Promise<BoardHealth> {
    const machine = this.machineArgs[1] as string;
    try {
      const machines = await qemuMachines(this.binary);
      return machines.has(machine)
        ? { ok: true, detail: `${this.binary} has machine ${machine}` }
        : { ok: false, detail: `${this.binary} has no machine ${machine}` };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return {
        ok: false,
        detail: code === "ENOENT" ? `${this.binary} not found on PATH` : `${this.binary}: ${(e as Error).message}`,
      };
    }
  }

  /** The full command line for one firmware image. */
  commandFor(firmwareElf: string): string[] {
    return qemuFirmwareCommand(this.target, firmwareElf);
  }

  async run(request: BoardRunRequest): Promise<BoardRunResult> {
    const dir = await mkdtemp(join(tmpdir(), "tinyml-farm-qemu-"));
    try {
      await writeFile(join(dir, "input.bin"), request.inputs);
      const command = this.commandFor(request.firmwareElf);
      const outcome = await runToDeadline(this.binary, command.slice(1), {
        cwd: dir,
        timeoutMs: request.timeoutMs,
        ...(request.signal ? { signal: request.signal } : {}),
        onText: progressCounter(request.onProgress),
      });
      const transcript = `${outcome.stdout}\n${outcome.stderr}`;
      if (outcome.aborted) throw new BoardRunAbortedError(`the run on ${this.describe()} was cancelled`);
      if (outcome.timedOut) {
        throw new BoardHungError(
          this.describe(),
          request.timeoutMs,
          transcript.trim().split("\n").slice(-3).join("\n"),
        );
      }
      if (outcome.status === null) {
        // killed by someone else (out of memory, an operator): the host's trouble, not the firmware's
        throw new BoardUnavailableError(`${this.binary} was killed before the firmware finished`);
      }
      const outputs = await readFile(join(dir, "output.bin")).catch(() => null);
      const { perInference, summary } = readHarnessRun({
        board: this.describe(),
        transcript,
        exitStatus: outcome.status,
        outputs: outputs ? new Uint8Array(outputs) : null,
        inferences: request.inferences,
        outputBytes: request.outputBytes,
      });
      return {
        perInference,
        summary,
        outputs: new Uint8Array(outputs ?? []),
        command,
        source: "emulated",
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
