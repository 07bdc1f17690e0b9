import type { BlobRef, BlobUpload, JobArtifactName } from "./blobs.js";
import type { FarmRunResult } from "./farm-activities.js";
import type { JobMetrics } from "./figures.js";
import type { JobSpec } from "./job-spec.js";
import type { TargetId } from "./targets.js";

/* Activities on task queue `optimize`, hosted by the workers (workers/service) over the engine. */

export interface ModelSummary {
  format: string;
  params: number;
  macs: number;
  ops: Record<string, number>;
  peakActivationBytes: number;
  modelBytes: number;
}

/**
 * A job's dataset as the activities receive it: its signed URL, and the most bytes its arrays may take once
 * inflated (the tier's `maxDatasetInflatedBytes`, set by the control plane): a worker refuses a dataset over it
 * from its headers, before reading it.
 */
export type DatasetRef = BlobRef & { fileName: string; maxInflatedBytes: number };

export interface AnalyzeModelRequest {
  jobId: string;
  model: BlobRef & { fileName: string };
  target: TargetId;
}

export interface QuantizeModelRequest {
  jobId: string;
  spec: JobSpec;
  model: BlobRef & { fileName: string };
  dataset: DatasetRef | null;
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
  dataset: DatasetRef;
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

/**
 * The artifacts finishBenchmark reads and writes (model.onnx is read when there is one: the bundle carries it, or a
 * note says why not). The workflow and its tests pick the run's signed URLs with these lists.
 */
export const FINISH_BENCHMARK_READS = [
  "firmware.elf",
  "firmware.map",
  "expected.bin",
  "outputs.bin",
  "report.json",
  "c.tar.gz",
  "model.tflite",
  "model.onnx",
] as const satisfies readonly JobArtifactName[];
export const FINISH_BENCHMARK_UPLOADS = [
  "benchmark.json",
  "report.json",
  "bundle.tar.gz",
] as const satisfies readonly JobArtifactName[];

export interface FinishBenchmarkRequest {
  jobId: string;
  target: TargetId;
  dataset: DatasetRef;
  samples: number;
  compiled: CompileFirmwareResult;
  run: FarmRunResult;
  reads: Pick<
    Record<JobArtifactName, BlobRef>,
    "firmware.elf" | "firmware.map" | "expected.bin" | "outputs.bin" | "report.json" | "c.tar.gz" | "model.tflite"
  > &
    /** model.onnx goes into the download bundle too; without it the bundle leaves it out and a note says so. */
    Partial<Pick<Record<JobArtifactName, BlobRef>, "model.onnx">>;
  uploads: Pick<Record<JobArtifactName, BlobUpload>, (typeof FINISH_BENCHMARK_UPLOADS)[number]>;
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
