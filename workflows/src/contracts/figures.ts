import { z } from "zod";

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
