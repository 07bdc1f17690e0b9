import {
  FRAMEWORK_IDS,
  JOB_STAGES,
  JOB_STATUSES,
  kbToBytes,
  QUANTIZATION_TYPES,
  TARGET_IDS,
} from "@tinyml/workflows/contracts";
import { z } from "zod";

const flag = z.enum(["true", "false"]).describe("true or false");

/**
 * The multipart form of `POST /api/projects/{id}/optimize`, field by field as the original API names them.
 * The form's text fields are mapped onto the contracts' `JobSpec`, which validates them.
 */
export const OptimizeForm = z.object({
  model_file: z
    .string()
    .meta({ format: "binary" })
    .describe("the trained model: .tflite, .onnx, .h5, SavedModel .zip, PyTorch .pt"),
  hardware_target: z.enum(TARGET_IDS),
  model_framework: z.enum(FRAMEWORK_IDS),
  target_size_kb: z.string().optional().describe("number, KB (1000 bytes)"),
  target_accuracy_threshold: z.string().optional().describe("number in [0, 1]"),
  enable_quantization: flag.optional(),
  enable_pruning: flag.optional(),
  quantization_type: z.enum(QUANTIZATION_TYPES).optional(),
  pruning_sparsity: z.string().optional().describe("number in [0, 0.99]"),
  enable_nas: flag.optional(),
  dataset_file: z.string().meta({ format: "binary" }).optional().describe("optional calibration/evaluation data, .npz"),
});

const OPTIMIZE_TEXT_FIELDS = {
  hardware_target: "hardwareTarget",
  model_framework: "modelFramework",
  target_size_kb: "targetSizeBytes",
  target_accuracy_threshold: "targetAccuracyThreshold",
  enable_quantization: "enableQuantization",
  enable_pruning: "enablePruning",
  quantization_type: "quantizationType",
  pruning_sparsity: "pruningSparsity",
  enable_nas: "enableNas",
} as const;
const NUMERIC = new Set(["targetSizeBytes", "targetAccuracyThreshold", "pruningSparsity"]);
const BOOLEAN = new Set(["enableQuantization", "enablePruning", "enableNas"]);
/** Form fields whose unit is not the spec's: sizes are bytes past the API boundary, converted here, once. */
const TO_SPEC_UNIT: Partial<Record<keyof typeof OPTIMIZE_TEXT_FIELDS, (n: number) => number>> = {
  target_size_kb: kbToBytes,
};

/** Maps form text fields onto a JobSpec input; bad numbers and flags are left for the schema to name. */
export function jobSpecFromForm(fields: Record<string, string>): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(OPTIMIZE_TEXT_FIELDS)) {
    const value = fields[field];
    if (value === undefined || value === "") continue;
    const toSpecUnit = TO_SPEC_UNIT[field as keyof typeof OPTIMIZE_TEXT_FIELDS] ?? ((n: number) => n);
    if (NUMERIC.has(key)) spec[key] = Number.isFinite(Number(value)) ? toSpecUnit(Number(value)) : value;
    else if (BOOLEAN.has(key)) spec[key] = value === "true" ? true : value === "false" ? false : value;
    else spec[key] = value;
  }
  return spec;
}

export const JobView = z.object({
  id: z.string(),
  project_id: z.string(),
  model_id: z.string(),
  status: z.enum(JOB_STATUSES),
  stage: z.enum(JOB_STAGES),
  progress: z.number(),
  message: z.string().nullable().describe("what the current stage is doing, in words"),
  hardware_target: z.enum(TARGET_IDS),
  tier: z.string(),
  spec: z.record(z.string(), z.unknown()),
  workflow_id: z.string(),
  error: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});

export const JobResults = z.object({
  job_id: z.string(),
  status: z.enum(JOB_STATUSES),
  metrics: z.record(z.string(), z.unknown()),
  artifact: z.string().nullable(),
  notes: z.array(z.string()).describe("notes to read with the figures (a step skipped and why)"),
  completed_at: z.string().nullable(),
});
