import { z } from "zod";

/** A quality figure: top-1 accuracy, mean squared error (regression or reconstruction), or AUC. */
const QualitySchema = z.object({
  metric: z.enum(["top1", "mse", "auc"]),
  value: z.number(),
  samples: z.number().int().positive(),
});

const LayerPrecisionSchema = z.object({
  name: z.string(),
  op: z.string(),
  /** float32, float16 (weights), int8, or int16x8 (int16 activations, int8 weights). */
  precision: z.enum(["float32", "float16", "int8", "int16x8"]),
});

/** Where a figure comes from (ARCHITECTURE.md, "Honesty of figures"). */
const FigureSourceSchema = z.enum(["measured", "emulated", "estimated"]);
const FigureSchema = z.object({ value: z.number(), source: FigureSourceSchema });

/**
 * `report.json` → `deployment`, written by `tinyml-engine bench`: the generated C code built into the board's
 * firmware and run in its emulator. Sizes come from the linked image, stack from stack painting, instructions from
 * the emulator (all `emulated`); latency and energy from the per-core cost model (`estimated`).
 */
const DeploymentSchema = z.object({
  target: z.string(),
  board: z.string(),
  emulator: z.string(),
  kernels: z.enum(["armv7em", "rv32im", "ref"]),
  samples: z.number().int(),
  flashBytes: FigureSchema,
  ramBytes: FigureSchema,
  arenaBytes: FigureSchema,
  peakStackBytes: FigureSchema,
  instructionsPerInference: FigureSchema,
  latencyMs: FigureSchema.optional(),
  energyUj: FigureSchema.optional(),
  /** Quality of the deployed code on the board (top-1 when the dataset has labels). */
  quality: QualitySchema.nullable(),
  /** Inferences whose output bytes equal the model built for the host. */
  outputsMatchingHost: z.number().int(),
  /** Against the catalog target's RAM and flash. */
  fits: z.boolean(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

/**
 * `report.json` → `codegen`, written by `optimize --emit c`: the generated C (DIR/c/) and its accuracy measured by
 * running that C, compiled for the host, over the evaluation set (the "c-host" executor).
 */
const CodegenSummarySchema = z.object({
  /** Bytes of TML_MODEL_ARENA_SIZE: activations and kernel scratch, planned ahead of time. */
  arenaBytes: z.number().int(),
  planner: z.string(),
  /** Bytes of const data in model.c (weights, biases, requantization parameters). */
  constantBytes: z.number().int(),
  kernels: z.array(z.string()),
  /** Quality of the generated C built with the host compiler (the code that ships); null without targets. */
  hostAccuracy: QualitySchema.nullable(),
});

/** `report.json`: what was optimized, for which target, and what it kept. Every figure is computed. */
export const OptimizationReportSchema = z.object({
  engineVersion: z.string(),
  createdAt: z.string(),
  model: z.object({
    name: z.string(),
    format: z.string(),
    params: z.number().int(),
    macs: z.number().int(),
    ops: z.record(z.string(), z.number().int()),
    peakActivationBytes: z.number().int(),
  }),
  target: z.object({ id: z.string(), name: z.string(), ramBytes: z.number(), flashBytes: z.number() }),
  dataset: z.object({ samples: z.number().int(), labels: z.boolean(), calibrationSamples: z.number().int() }),
  baseline: z.object({ sizeBytes: z.number().int(), quality: QualitySchema.nullable() }),
  optimized: z.object({
    precision: z.enum(["int8", "int16x8", "fp16", "mixed"]),
    sizeBytes: z.number().int(),
    quality: QualitySchema.nullable(),
    /** sqnrDb is null when the outputs are identical to the float model's (no quantization noise at all). */
    fidelity: z.object({ top1Agreement: z.number(), sqnrDb: z.number().nullable() }),
    peakActivationBytes: z.number().int(),
    layers: z.array(LayerPrecisionSchema),
    sizeBudgetBytes: z.number().int().nullable(),
  }),
  calibration: z.object({ method: z.string(), samples: z.number().int(), biasCorrection: z.boolean() }).nullable(),
  mixed: z
    .object({
      baselineSqnrDb: z.number(),
      promoted: z.array(z.string()),
      sensitivities: z.array(z.object({ name: z.string(), op: z.string(), sqnrDb: z.number(), gainDb: z.number() })),
    })
    .nullable(),
  evaluation: z.object({
    executor: z.string(),
    samples: z.number().int(),
    /** The same model under another executor (ONNX Runtime when the generated C is the evaluator). */
    crossCheck: z.object({ executor: z.string(), quality: QualitySchema.nullable() }).optional(),
  }),
  timings: z.record(z.string(), z.number()),
  /** What the figures alone do not say, in words (e.g. a model over its size budget, kept because that was asked). */
  notes: z.array(z.string()).default([]),
  codegen: CodegenSummarySchema.optional(),
  deployment: DeploymentSchema.optional(),
});
export type OptimizationReport = z.infer<typeof OptimizationReportSchema>;
