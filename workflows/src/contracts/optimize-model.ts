import type { JobStage, JobStatus } from "./job-spec.js";

/**
 * The contract of workflow `optimizeModel`: the control plane starts it by name with the job id on task queue
 * `TASK_QUEUES.optimize` and workflow id `optimizeModelWorkflowId(jobId)`; the job's spec and blobs are read
 * from the job row through control-plane activities, never passed in the payload.
 *
 *   control-plane: startJobRun ─▶ optimize: analyzeModel ─▶ quantizeModel ─▶ compileFirmware
 *     ─▶ farm.<target>: runBenchmark ─▶ optimize: finishBenchmark ─▶ control-plane: recordJobResult
 */
export const OPTIMIZE_MODEL_WORKFLOW = "optimizeModel";

export type OptimizeModelInput = [jobId: string];

export interface OptimizeModelProgress {
  status: JobStatus;
  stage: JobStage;
  /** 0 … 1 */
  progress: number;
  /** What the current stage is doing, in words. */
  message: string;
}

/** Query names the workflow answers. */
export const OPTIMIZE_MODEL_QUERIES = Object.freeze({ progress: "progress" });

export type OptimizeModelWorkflow = (...args: OptimizeModelInput) => Promise<void>;

export const optimizeModelWorkflowId = (jobId: string): string => `optimize-${jobId}`;

/**
 * Failure types of non-retryable `ApplicationFailure`s: bad input (the engine's message is the failure's message),
 * and a job that cannot run (cancelled or ended before its run started).
 */
export const FAILURE_TYPES = Object.freeze({
  badInput: "BadInput",
  jobNotRunnable: "JobNotRunnable",
});
