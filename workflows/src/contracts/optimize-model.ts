import { z } from "zod";
import type { BlobRef, BlobUpload, JobArtifactName } from "./blobs.js";
import type { FirmwareRunFigures } from "./harness.js";
import type { JobSpec, JobStage, JobStatus } from "./job-spec.js";
import type { TargetId } from "./targets.js";
import type { TierId } from "./tiers.js";

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

// ── figures ────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Where a figure comes from (ARCHITECTURE.md, "Honesty of figures"): `measured` on a physical board, `emulated`
 * (exact, from running the real firmware in an emulator or from the linked image), `estimated` (a model), and
 * `computed`: exact figures of the files or of running the model on the host over the dataset (model sizes,
 * accuracy before and after).
 */
export const FIGURE_SOURCES = ["measured", "emulated", "estimated", "computed"] as const;
export const FigureSource = z.enum(FIGURE_SOURCES);
export type FigureSource = z.infer<typeof FigureSource>;

export const Figure = z.object({
  value: z.number(),
  unit: z.string(),
  source: FigureSource,
  /** How it was obtained, in a few words (the evaluator, the emulator, the cost model's basis). */
  basis: z.string().optional(),
});
export type Figure = z.infer<typeof Figure>;

/**
 * A job's results as recorded by the control plane and shown by the API, SDK and CLI: figures by name
 * (`accuracy_before`, `accuracy_after`, `model_bytes_before`, `model_bytes_after`, `flash_bytes`, `ram_bytes`,
 * `arena_bytes`, `peak_stack_bytes`, `instructions_per_inference`, `latency_ms`, `energy_uj`, `board_accuracy`, …).
 * A figure that could not be obtained is absent.
 */
export const JobMetrics = z.record(z.string(), Figure);
export type JobMetrics = z.infer<typeof JobMetrics>;

export interface JobResultRecord {
  metrics: JobMetrics;
  /** What `/api/jobs/{id}/download` serves. */
  artifact: { key: string; fileName: string } | null;
  /** Notes a user should read with the figures (a step skipped and why). */
  notes: string[];
}

// ── control-plane activities (task queue `control-plane`, hosted by the control plane) ───────────────────────

/** What the control plane tells the workflow about a job when its run starts. */
export interface JobRun {
  jobId: string;
  organizationId: string;
  tier: TierId;
  spec: JobSpec;
  model: BlobRef & { fileName: string; bytes: number; sha256: string };
  dataset: (BlobRef & { fileName: string }) | null;
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

// ── engine activities (task queue `optimize`, workers/service) ───────────────────────────────────────────────

export interface ModelSummary {
  format: string;
  params: number;
  macs: number;
  ops: Record<string, number>;
  peakActivationBytes: number;
  modelBytes: number;
}

export interface AnalyzeModelRequest {
  jobId: string;
  model: BlobRef & { fileName: string };
  target: TargetId;
}

export interface QuantizeModelRequest {
  jobId: string;
  spec: JobSpec;
  model: BlobRef & { fileName: string };
  dataset: (BlobRef & { fileName: string }) | null;
  /** Where to write model.tflite, model.onnx, report.json and c.tar.gz (the latter only for integer precisions). */
  uploads: Pick<Record<JobArtifactName, BlobUpload>, "model.tflite" | "model.onnx" | "report.json" | "c.tar.gz">;
}

export interface QuantizeModelResult {
  /** Figures of the optimized model (accuracy before / after, sizes before / after), source `computed`. */
  metrics: JobMetrics;
  /** Whether C was generated (integer precisions); no C → no firmware, no benchmark. */
  generatedC: boolean;
  notes: string[];
}

export interface CompileFirmwareRequest {
  jobId: string;
  target: TargetId;
  /** The generated C (`c.tar.gz` of quantizeModel). */
  c: BlobRef;
  dataset: BlobRef & { fileName: string };
  /** Benchmark on the first `samples` inputs of the dataset. */
  samples: number;
  uploads: Pick<Record<JobArtifactName, BlobUpload>, "firmware.elf" | "firmware.map" | "inputs.bin" | "expected.bin">;
}

export interface CompileFirmwareResult {
  inferences: number;
  /** Bytes of one output (the farm checks the size of what the board wrote). */
  outputBytes: number;
  kernels: string;
  board: string;
}

export interface FinishBenchmarkRequest {
  jobId: string;
  target: TargetId;
  dataset: BlobRef & { fileName: string };
  samples: number;
  compiled: CompileFirmwareResult;
  run: FarmRunResult;
  reads: Pick<
    Record<JobArtifactName, BlobRef>,
    "firmware.elf" | "firmware.map" | "expected.bin" | "outputs.bin" | "report.json" | "c.tar.gz" | "model.tflite"
  > &
    /** model.onnx goes into the download bundle too; without it the bundle leaves it out and a note says so. */
    Partial<Pick<Record<JobArtifactName, BlobRef>, "model.onnx">>;
  uploads: Pick<Record<JobArtifactName, BlobUpload>, "benchmark.json" | "report.json" | "bundle.tar.gz">;
}

export interface FinishBenchmarkResult {
  /** Deployment figures (flash, RAM, instructions: emulated or measured; latency, energy: estimated unless measured). */
  metrics: JobMetrics;
  notes: string[];
}

export interface EngineActivities {
  /** Reads and analyzes the model; bad input fails non-retryably (`FAILURE_TYPES.badInput`) with the engine's message. */
  analyzeModel(request: AnalyzeModelRequest): Promise<ModelSummary>;
  /** Calibrates, quantizes, exports and evaluates per the job spec; generates C for integer precisions. Heartbeats. */
  quantizeModel(request: QuantizeModelRequest): Promise<QuantizeModelResult>;
  /** Builds the benchmark firmware for the target and the host reference outputs. Heartbeats. */
  compileFirmware(request: CompileFirmwareRequest): Promise<CompileFirmwareResult>;
  /** Turns the farm's run into figures (checks outputs against the host build), writes benchmark.json, the final
   * report and the download bundle. */
  finishBenchmark(request: FinishBenchmarkRequest): Promise<FinishBenchmarkResult>;
}

// ── farm activities (task queue `farm.<target>`, hardware-farm agents) ────────────────────────────────────────

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
