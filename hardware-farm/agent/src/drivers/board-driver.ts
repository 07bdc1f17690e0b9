import type { FirmwareRunFigures } from "@tinyml/workflows/contracts";

/** One benchmark run on one board: the firmware image, the inputs the harness reads as `input.bin`. */
export interface BoardRunRequest {
  /** Path of the benchmark firmware (an ELF built by hardware-farm/firmware/build.sh for this board). */
  firmwareElf: string;
  /** `inferences` inputs, back to back (the harness's `input.bin`). */
  inputs: Uint8Array;
  inferences: number;
  /** Bytes of one output: the board must write `inferences * outputBytes` bytes to `output.bin`. */
  outputBytes: number;
  /** The run is killed after this long and the board reported hung. */
  timeoutMs: number;
  /** Aborting kills the run (the activity was cancelled, or the agent shuts down). */
  signal?: AbortSignal;
  /** Called with the number of inferences done so far, as the harness reports them. */
  onProgress?: (done: number) => void;
}

/** The run's figures (contracts/harness.ts) and the raw output bytes of every inference, concatenated. */
export interface BoardRunResult extends FirmwareRunFigures {
  outputs: Uint8Array;
}

export interface BoardHealth {
  ok: boolean;
  /** What was checked, or what is wrong ("pyocd not found on PATH"). */
  detail: string;
}

/**
 * A board of the farm behind one interface: an emulated board (QEMU) or a physical one (debug probe + serial
 * port). Drivers throw the errors of ./errors.ts so the agent can tell a board's fault (hung, unreachable:
 * mark it unhealthy, run elsewhere) from the firmware's (faulted: the job's input is bad, do not retry).
 * Every driver passes the conformance suite in ../testing/driver-conformance.ts.
 */
export interface BoardDriver {
  readonly kind: "qemu" | "probe";
  /** The board in a few words, e.g. "QEMU mps2-an386 (qemu-system-arm)". */
  describe(): string;
  /** A cheap probe that the board can run anything at all (tools present, probe and serial port reachable). */
  check(): Promise<BoardHealth>;
  run(request: BoardRunRequest): Promise<BoardRunResult>;
}
