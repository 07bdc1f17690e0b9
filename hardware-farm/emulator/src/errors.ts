/**
 * What can go wrong running firmware on a board (emulated by ./run-on-qemu.ts, or physical behind the farm agent's
 * probe driver), typed so that each caller decides once what each means (the agent for the job and the board, the
 * engine's bench for its user):
 * - `BoardHungError`: the run did not finish in time; the board is suspect (unhealthy), the job runs elsewhere.
 * - `BoardUnavailableError`: the board cannot run anything (tool missing, probe or port gone, flashing failed);
 *   unhealthy as well, the job runs elsewhere.
 * - `FirmwareFailedError`: the firmware itself failed (faulted, init or run failed, wrong output size): the
 *   job's input is bad and another board would fail the same way.
 * - `BoardRunAbortedError`: the run was cancelled.
 */
export class BoardHungError extends Error {
  override readonly name = "BoardHungError";
  constructor(
    readonly board: string,
    readonly timeoutMs: number,
    readonly transcriptTail: string,
  ) {
    super(
      `${board} hung: no result after ${(timeoutMs / 1000).toFixed(1)} s, killed${transcriptTail ? `\n${transcriptTail}` : ""}`,
    );
  }
}

export class BoardUnavailableError extends Error {
  override readonly name = "BoardUnavailableError";
}

export class FirmwareFailedError extends Error {
  override readonly name = "FirmwareFailedError";
  constructor(
    message: string,
    /** The firmware's exit status, when it exited. */
    readonly exitStatus: number | null,
    /** The harness's `{"error": ...}` line, when it printed one. */
    readonly harnessError: Record<string, unknown> | null,
  ) {
    super(message);
  }
}

export class BoardRunAbortedError extends Error {
  override readonly name = "BoardRunAbortedError";
}
