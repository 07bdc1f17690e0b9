import type { FirmwareRun, FirmwareRunRequest } from "@tinyml/emulator";

/** One benchmark run on one board: the firmware image, the inputs the harness reads as `input.bin`. */
export type BoardRunRequest = FirmwareRunRequest;

/** The run's figures (contracts/harness.ts) and the raw output bytes of every inference, concatenated. */
export type BoardRunResult = FirmwareRun;

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
