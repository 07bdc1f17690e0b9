import { z } from "zod";
import { FrameworkId } from "./frameworks.js";
import { TargetId } from "./targets.js";

/**
 * What a user asks of one optimization job: the public API's `optimize` form fields, validated once and
 * stored with the job. The workflow reads it back from the job row (it receives only the job id).
 */
export const QUANTIZATION_TYPES = ["int8", "fp16", "mixed"] as const;
export const QuantizationType = z.enum(QUANTIZATION_TYPES);
export type QuantizationType = z.infer<typeof QuantizationType>;

export const JobSpec = z.object({
  hardwareTarget: TargetId,
  modelFramework: FrameworkId,
  /**
   * Size the optimized model should fit in, in bytes. The public API takes it in KB (`target_size_kb`, 1000 bytes)
   * and converts it once, at its boundary; the engine decides whether the model fits it.
   */
  targetSizeBytes: z.number().int().positive().max(1_000_000_000).default(100_000),
  /** Smallest accuracy, as a fraction of 1, the optimized model may keep. */
  targetAccuracyThreshold: z.number().min(0).max(1).default(0.9),
  enableQuantization: z.boolean().default(true),
  enablePruning: z.boolean().default(false),
  quantizationType: QuantizationType.default("int8"),
  /** Fraction of weights pruning may remove. */
  pruningSparsity: z.number().min(0).max(0.99).default(0.5),
  /** Hardware-aware architecture search (tiers with `nas` only). */
  enableNas: z.boolean().default(false),
});
export type JobSpec = z.infer<typeof JobSpec>;
export type JobSpecInput = z.input<typeof JobSpec>;

export const JOB_STATUSES = ["queued", "running", "completed", "failed", "cancelled"] as const;
export const JobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatus>;

/** Stages of the optimizeModel workflow, in order. */
export const JOB_STAGES = [
  "submitted",
  "analyze",
  "convert",
  "quantize",
  "prune",
  "search",
  "compile",
  "benchmark",
  "done",
] as const;
export const JobStage = z.enum(JOB_STAGES);
export type JobStage = z.infer<typeof JobStage>;
