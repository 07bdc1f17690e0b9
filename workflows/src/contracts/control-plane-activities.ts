import type { BlobRef, BlobUpload, JobArtifactName } from "./blobs.js";
import type { DatasetRef } from "./engine-activities.js";
import type { JobMetrics } from "./figures.js";
import type { JobSpec, JobStage, JobStatus } from "./job-spec.js";
import type { TierId } from "./tiers.js";

/* Activities on task queue `control-plane`, hosted by the control plane (the only writer of the database). */

export interface JobResultRecord {
  metrics: JobMetrics;
  /** What `/api/jobs/{id}/download` serves. */
  artifact: { key: string; fileName: string } | null;
  /** Notes a user should read with the figures (a step skipped and why). */
  notes: string[];
}

/** What the control plane tells the workflow about a job when its run starts. */
export interface JobRun {
  jobId: string;
  organizationId: string;
  tier: TierId;
  spec: JobSpec;
  model: BlobRef & { fileName: string; bytes: number; sha256: string };
  dataset: DatasetRef | null;
  /** Signed PUT URLs for each artifact of the run (keys under `jobArtifactPrefix(jobId)`). */
  artifactUploads: Record<JobArtifactName, BlobUpload>;
  /** Signed GET URLs for the same keys (to read back what an earlier activity wrote). */
  artifactReads: Record<JobArtifactName, BlobRef>;
}

export type StartJobRunResult = { kind: "run"; run: JobRun } | { kind: "ended"; status: JobStatus };

export interface ControlPlaneActivities {
  /** Marks the job running (idempotent) and returns what its run needs; `ended` when it was cancelled or ended. */
  startJobRun(jobId: string): Promise<StartJobRunResult>;
  recordJobProgress(jobId: string, progress: { stage: JobStage; progress: number; message: string }): Promise<void>;
  /** Records the result once (a retried call after success changes nothing). */
  recordJobResult(jobId: string, result: JobResultRecord): Promise<void>;
  recordJobFailure(jobId: string, message: string): Promise<void>;
  /** Marks the job cancelled and removes every blob under its artifact prefix; returns how many were removed. */
  cleanUpCancelledJob(jobId: string): Promise<{ removed: number }>;
}
