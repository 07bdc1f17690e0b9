import { HARNESS_EXIT_STATUS, type HarnessSummary, parseHarnessOutput } from "@tinyml/workflows/contracts";
import { FirmwareFailedError } from "./errors.js";

/** Non-harness console lines kept in an error message (the emulator's or the board's last words). */
const TAIL_LINES = 10;

/**
 * Turns what a board printed and wrote into the run's figures, or the firmware's failure in words: the exit status
 * named by `HARNESS_EXIT_STATUS`, the harness's `{"error": ...}` line, a missing summary, or a count of
 * inferences or output bytes other than the request's (a firmware built for another model than the inputs).
 */
export function readHarnessRun(options: {
  board: string;
  transcript: string;
  /** The firmware's exit status; `null` where the board gives none (a physical board reports by its lines). */
  exitStatus: number | null;
  outputs: Uint8Array | null;
  inferences: number;
  outputBytes: number;
}): { perInference: number[]; summary: HarnessSummary; outputs: Uint8Array } {
  const { board, transcript, exitStatus, inferences, outputBytes } = options;
  const harness = parseHarnessOutput(transcript);
  const tail = harness.other.slice(-TAIL_LINES).join("\n");
  const fail = (why: string): never => {
    const error = harness.error ? ` (${JSON.stringify(harness.error)})` : "";
    throw new FirmwareFailedError(
      `the firmware failed on ${board}: ${why}${error}${tail ? `\n${tail}` : ""}`,
      exitStatus,
      harness.error,
    );
  };
  if (exitStatus !== null && exitStatus !== 0) {
    fail(`${HARNESS_EXIT_STATUS[exitStatus] ?? "it exited"} (exit status ${exitStatus})`);
  }
  if (harness.error) fail("the harness reported an error");
  const summary = harness.summary;
  if (!summary) return fail("it printed no summary line");
  if (summary.inferences !== inferences) {
    fail(`it ran ${summary.inferences} inferences, the request has ${inferences} (inputs sized for another model?)`);
  }
  if (harness.perInference.length !== inferences) {
    fail(`it reported ${harness.perInference.length} per-inference figures for ${inferences} inferences`);
  }
  const outputs = options.outputs ?? new Uint8Array();
  if (outputs.length !== inferences * outputBytes) {
    fail(
      `it wrote ${outputs.length} output bytes, expected ${inferences} × ${outputBytes} (firmware built for another model?)`,
    );
  }
  return { perInference: harness.perInference, summary, outputs };
}
