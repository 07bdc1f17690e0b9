import { BYTES_PER_KB, formatKb } from "@tinyml/workflows/contracts";
import { EngineError } from "./errors.js";

/**
 * The size a caller wants model.tflite to fit in. Whether a model fits is decided here and nowhere else: the
 * control plane only refuses a request whose size is larger than the target's flash, and the worker passes the
 * job's size on; the mixed-precision planner and `optimize` both ask `overSizeBudget`.
 */
export interface SizeBudget {
  bytes: number;
  /**
   * The option that set the budget, in the caller's vocabulary, its value in KB (1000 bytes): `--size-budget-kb`
   * for the engine CLI, `target_size_kb` for the API. Messages name it, so that each user reads about the option
   * they set and can change.
   */
  option: string;
  /**
   * What an int8, int16x8 or fp16 model over the budget is: an error (`refuse`, the CLI's contract), or a note in
   * the report with the model kept (`note`: a job's target size is a goal to report against). A `mixed` plan is
   * always made within the budget and refused when even all-int8 does not fit.
   */
  whenOver: "refuse" | "note";
}

/** "target_size_kb 40 (40000 bytes)": the budget as its caller set it, and in bytes. */
const describeSizeBudget = (budget: SizeBudget): string =>
  `${budget.option} ${budget.bytes / BYTES_PER_KB} (${budget.bytes} bytes)`;

/** Whether a model.tflite of `sizeBytes` fits the budget. */
export const fitsSizeBudget = (sizeBytes: number, budget: SizeBudget): boolean => sizeBytes <= budget.bytes;

/** The sentence saying that `what` (e.g. "the int8 model") is over the budget, or null when it fits. */
export function overSizeBudget(what: string, sizeBytes: number, budget: SizeBudget): string | null {
  if (fitsSizeBudget(sizeBytes, budget)) return null;
  return `${what} is ${formatKb(sizeBytes)} (${sizeBytes} bytes), over ${describeSizeBudget(budget)}`;
}

/**
 * The refusal of a model over the budget (UNSATISFIABLE), saying what the caller can change: the budget, the
 * model, or (`smallerPrecision`, e.g. "quantize to int8") the precision.
 */
export function sizeBudgetError(
  over: string,
  sizeBytes: number,
  budget: SizeBudget,
  smallerPrecision?: string,
): EngineError {
  const remedies = [`raise ${budget.option}`, ...(smallerPrecision ? [smallerPrecision] : []), "prune the model"];
  return new EngineError("UNSATISFIABLE", `${over}: ${remedies.slice(0, -1).join(", ")} or ${remedies.at(-1)}`, {
    sizeBytes,
    budgetBytes: budget.bytes,
    option: budget.option,
  });
}
