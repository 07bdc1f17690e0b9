import type { BlobRef, BlobUpload } from "./blobs.js";
import type { FirmwareRunFigures } from "./harness.js";
import type { TargetId } from "./targets.js";

/* Activities on task queues `farm.<target>`, hosted by the hardware-farm agents. */

export interface FarmRunRequest {
  jobId: string;
  target: TargetId;
  firmware: BlobRef;
  inputs: BlobRef;
  /** Where the board's output bytes go. */
  outputs: BlobUpload;
  inferences: number;
  outputBytes: number;
}

export interface FarmRunResult extends FirmwareRunFigures {
  host: string;
  boardId: string;
  driver: "qemu" | "probe";
  /** Attempts of this benchmark (Temporal's attempt number when it finished). */
  attempt: number;
}

export interface FarmActivities {
  /** Flashes/loads the firmware on a free healthy board of the target, runs it, uploads its outputs. Heartbeats. */
  runBenchmark(request: FarmRunRequest): Promise<FarmRunResult>;
}
