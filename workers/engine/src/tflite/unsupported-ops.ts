import { EngineError } from "../errors.js";
import type { TfliteModel, TfliteOperator, TfliteOperatorCode, TfliteSubGraph } from "./reader.js";
import { BUILTIN, builtinName, CONTROL_FLOW_OPS, FC_WEIGHTS_FORMAT, TENSOR_TYPE } from "./schema.js";

/** How a user can get past each family of unsupported ops, keyed by a test on the op's name. */
const ADVICE: { test: (name: string) => boolean; advice: string }[] = [
  {
    test: (n) => n === "ethos-u",
    advice:
      "ethos-u is an Arm Ethos-U NPU command stream written by the Vela compiler: the network inside it can no " +
      "longer be read or optimized; upload the .tflite from before Vela compilation",
  },
  {
    test: (n) => n.startsWith("Signal"),
    advice:
      "Signal* ops are TFLite Micro's audio front end (windowing, FFT, filter banks): compute the features outside " +
      "the model and upload the network that takes them as input",
  },
  {
    test: (n) => CONTROL_FLOW_OPS.has(n),
    advice: "control flow (IF, WHILE, CALL_ONCE) is not supported: export a model without tf.cond or loops",
  },
  {
    test: (n) => n.endsWith("(int16 with power-of-two scaling)"),
    advice: "re-convert the model in the converter's 16x8 mode, which writes ADD and SUB with general int16 scaling",
  },
  {
    test: (n) => n.startsWith("FULLY_CONNECTED ("),
    advice: "re-convert the model without shuffled fully connected weights (the default converter settings)",
  },
];

/** The builtin operators the importer maps to the IR (its registry's keys). */
export type SupportedOps = ReadonlySet<string>;

/** Names the variant of a supported builtin that the IR has no form for, or undefined when the op is importable. */
type VariantCheck = (op: TfliteOperator, subgraph: TfliteSubGraph, builtin: string) => string | undefined;

/** The power-of-two int16 kernel: the IR keeps no flag for it, and the general kernel rounds differently. */
const int16PowerOfTwoScaling: VariantCheck = (op, subgraph, builtin) =>
  subgraph.tensors[op.inputs[0] ?? -1]?.type === TENSOR_TYPE.INT16 && op.builtinOptions?.potScaleInt16 !== false
    ? `${builtin} (int16 with power-of-two scaling)`
    : undefined;

/** Supported builtins with variants the importer refuses, by builtin name. */
const UNSUPPORTED_VARIANTS: Readonly<Record<string, VariantCheck>> = {
  FULLY_CONNECTED: (op) =>
    (op.builtinOptions?.weightsFormat ?? FC_WEIGHTS_FORMAT.DEFAULT) !== FC_WEIGHTS_FORMAT.DEFAULT
      ? "FULLY_CONNECTED (shuffled 4x16 int8 weights)"
      : undefined,
  ADD: int16PowerOfTwoScaling,
  SUB: int16PowerOfTwoScaling,
};

/** The name under which an operator is refused, or undefined when the importer maps it. */
function unsupportedName(
  code: TfliteOperatorCode,
  op: TfliteOperator,
  subgraph: TfliteSubGraph,
  supported: SupportedOps,
): string | undefined {
  if (code.builtinCode === BUILTIN.CUSTOM) return code.customCode || "CUSTOM (no custom code)";
  const builtin = builtinName(code.builtinCode);
  if (!supported.has(builtin)) return builtin;
  return UNSUPPORTED_VARIANTS[builtin]?.(op, subgraph, builtin);
}

/**
 * Every operator of the primary subgraph that the importer cannot map, by name: builtin operators by their
 * schema name, custom operators by their custom code, unsupported variants of supported operators by
 * `NAME (variant)`. Names appear once, in order of first use; `counts` says how often each is used.
 */
export function findUnsupportedOps(
  model: TfliteModel,
  subgraph: TfliteSubGraph,
  supported: SupportedOps,
  fail: (why: string) => never,
): { ops: string[]; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  for (const [i, op] of subgraph.operators.entries()) {
    const code = model.operatorCodes[op.opcodeIndex];
    if (!code) fail(`operator ${i} uses operator code ${op.opcodeIndex} of ${model.operatorCodes.length}`);
    const name = unsupportedName(code, op, subgraph, supported);
    if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1;
  }
  return { ops: Object.keys(counts), counts };
}

/** The one error that names every unsupported op of a model and says what to do. */
export function unsupportedOpsError(
  modelName: string,
  found: { ops: string[]; counts: Record<string, number> },
  supported: SupportedOps,
): EngineError {
  const listed = found.ops.map((n) => ((found.counts[n] ?? 0) > 1 ? `${n} (×${found.counts[n]})` : n)).join(", ");
  const advice = ADVICE.filter((a) => found.ops.some(a.test)).map((a) => a.advice);
  const message =
    `"${modelName}" uses ${found.ops.length === 1 ? "an operator" : `${found.ops.length} operators`} the engine ` +
    `does not support: ${listed}. ` +
    (advice.length > 0 ? `${advice.join("; ")}. ` : "") +
    `Supported TFLite operators: ${[...supported].sort().join(", ")}; re-export the model using only those.`;
  return new EngineError("UNSUPPORTED_OPS", message, { ops: found.ops, counts: found.counts });
}
