import type { JobStage, JobStatus } from "./job-spec.js";

/**
 * The contract of workflow `optimizeModel`: the control plane starts it by name with the job id on task queue
 * `TASK_QUEUES.optimize` and workflow id `optimizeModelWorkflowId(jobId)`; the job's spec and blobs are read
 * from the job row through control-plane activities, never passed in the payload.
 */
export const OPTIMIZE_MODEL_WORKFLOW = "optimizeModel";

export type OptimizeModelInput = [jobId: string];

export interface OptimizeModelProgress {
  status: JobStatus;
  stage: JobStage;
  /** 0 … 1 */
  progress: number;
}

/** Query names the workflow answers. */
export const OPTIMIZE_MODEL_QUERIES = Object.freeze({ progress: "progress" });

export type OptimizeModelWorkflow = (...args: OptimizeModelInput) => Promise<void>;

export const optimizeModelWorkflowId = (jobId: string): string => `optimize-${jobId}`;
