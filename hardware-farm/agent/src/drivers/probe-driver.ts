import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BoardHungError,
  BoardRunAbortedError,
  BoardUnavailableError,
  findOnPath,
  progressCounter,
  readHarnessRun,
  runToDeadline,
} from "@tinyml/emulator";
import type { ProbeConnection } from "../agent-config.js";
import type { BoardDriver, BoardHealth, BoardRunRequest, BoardRunResult } from "./board-driver.js";
import { FLASHERS, type Flasher } from "./flashers.js";
import { SerialLines } from "./serial-lines.js";

/** Longest a flash write may take before the probe is declared hung. */
const FLASH_TIMEOUT_MS = 120_000;
/** After the run tool exits, how long late serial lines are still awaited. */
const SERIAL_GRACE_MS = 1_000;

/**
 * Energy of a run, from a power monitor wired to the board's supply (e.g. a Joulescope or an INA226 on the
 * board's rail). Optional: no implementation ships with the agent, and without one a run has no energy figure
 * (a figure that could not be measured is absent, never estimated here).
 */
export interface PowerMonitor {
  describe(): string;
  start(): Promise<void>;
  /** Energy used since `start()`, in µJ. */
  stop(): Promise<{ energyUj: number }>;
}

/** The harness's last line: its summary or its error. */
const isFinalLine = (line: string): boolean => line.startsWith('{"done":') || line.startsWith('{"error":');

/**
 * A physical board behind a debug probe and a serial port. One run: flash the image with the probe's tool, open
 * the serial port, start the tool again to reset the core and serve semihosting from a fresh folder holding
 * `input.bin` (where the harness's `output.bin` appears), read the harness's lines from the serial port (and the
 * tool's semihosting console) until its summary or error line, then stop the tool. Figures are `measured`: the
 * board's cycle counter (the summary's `counter`, e.g. DWT CYCCNT).
 */
export class ProbeBoardDriver implements BoardDriver {
  readonly kind = "probe" as const;
  private readonly flasher: Flasher;

  constructor(
    readonly connection: ProbeConnection,
    private readonly powerMonitor?: PowerMonitor,
  ) {
    this.flasher = FLASHERS[connection.flasher];
  }

  describe(): string {
    return `${this.connection.toolTarget} via ${this.connection.flasher} probe ${this.connection.probe}, serial ${this.connection.serialPort}`;
  }

  /** The tool lines of one run: flash, then run with semihosting. */
  commandsFor(firmwareElf: string, timeoutMs: number): { flash: string[]; run: string[] } {
    return {
      flash: this.flasher.flash(this.connection, firmwareElf),
      run: this.flasher.run(this.connection, firmwareElf, timeoutMs),
    };
  }

  /** The tools and the serial port are there (the probe itself is only reached by a run). */
  async check(): Promise<BoardHealth> {
    for (const tool of [this.flasher.tool, "stty"]) {
      if (!(await findOnPath(tool))) return { ok: false, detail: `${tool} not found on PATH` };
    }
    try {
      const serial = await SerialLines.open(this.connection.serialPort, this.connection.baudRate);
      serial.close();
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
    return { ok: true, detail: `${this.flasher.tool} and ${this.connection.serialPort} present` };
  }

  async run(request: BoardRunRequest): Promise<BoardRunResult> {
    for (const tool of [this.flasher.tool, "stty"]) {
      if (!(await findOnPath(tool))) throw new BoardUnavailableError(`${tool} not found on PATH`);
    }
    const board = this.describe();
    const { flash, run } = this.commandsFor(request.firmwareElf, request.timeoutMs);
    // The flash gets its own bound, never more than the whole run's; a timeout names the one that applied.
    const flashTimeoutMs = Math.min(FLASH_TIMEOUT_MS, request.timeoutMs);
    const dir = await mkdtemp(join(tmpdir(), "tinyml-farm-probe-"));
    let serial: SerialLines | null = null;
    try {
      await writeFile(join(dir, "input.bin"), request.inputs);
      const flashed = await runToDeadline(flash[0] as string, flash.slice(1), {
        cwd: dir,
        timeoutMs: flashTimeoutMs,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      if (flashed.aborted) throw new BoardRunAbortedError(`the run on ${board} was cancelled`);
      if (flashed.timedOut) throw new BoardHungError(`${board} (flashing)`, flashTimeoutMs, tail(flashed.stderr));
      if (flashed.status !== 0) {
        throw new BoardUnavailableError(
          `flashing ${board} failed (exit status ${flashed.status}): ${tail(flashed.stderr || flashed.stdout)}`,
        );
      }

      const progress = progressCounter(request.onProgress);
      serial = await SerialLines.open(this.connection.serialPort, this.connection.baudRate, (line) =>
        progress(`${line}\n`),
      );
      await this.powerMonitor?.start();
      const stopTool = new AbortController();
      const toolSignal = request.signal ? AbortSignal.any([request.signal, stopTool.signal]) : stopTool.signal;
      const tool = runToDeadline(run[0] as string, run.slice(1), {
        cwd: dir,
        timeoutMs: request.timeoutMs,
        signal: toolSignal,
        onText: progress,
      });
      // The harness's final line on the serial port, or the tool ending first (it could not reach the probe,
      // or it printed the semihosting console itself).
      const toolEnded = tool.then(() => "tool-ended" as const);
      const finalLine = serial.waitFor(isFinalLine, request.timeoutMs, request.signal);
      const first = await Promise.race([finalLine, toolEnded]);
      if (first === "tool-ended") await Promise.race([finalLine, sleep(SERIAL_GRACE_MS)]);
      stopTool.abort();
      const outcome = await tool;
      const energy = await this.powerMonitor?.stop();
      serial.close();

      const transcript = `${serial.lines.join("\n")}\n${outcome.stdout}`;
      const finished = serial.lines.some(isFinalLine) || outcome.stdout.split("\n").some(isFinalLine);
      if (request.signal?.aborted) throw new BoardRunAbortedError(`the run on ${board} was cancelled`);
      if (!finished) {
        if (first === "tool-ended" && !outcome.timedOut) {
          throw new BoardUnavailableError(
            `${this.flasher.tool} ended (exit status ${outcome.status}) before the firmware finished on ${board}: ${tail(outcome.stderr || outcome.stdout)}`,
          );
        }
        throw new BoardHungError(board, request.timeoutMs, tail(transcript));
      }
      const outputs = await readFile(join(dir, "output.bin")).catch(() => null);
      const read = readHarnessRun({
        board,
        transcript,
        exitStatus: null,
        outputs: outputs ? new Uint8Array(outputs) : null,
        inferences: request.inferences,
        outputBytes: request.outputBytes,
      });
      return {
        ...read,
        command: [...flash, "&&", ...run],
        source: "measured",
        ...(energy ? { energyUjPerInference: energy.energyUj / request.inferences } : {}),
      };
    } finally {
      serial?.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
}

const tail = (text: string): string => text.trim().split("\n").slice(-5).join("\n");
const sleep = (ms: number) => new Promise<null>((resolve) => setTimeout(() => resolve(null), ms));
