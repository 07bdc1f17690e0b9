import type { Node } from "../ir/ops.js";
import { activationOf, type ExportPlan, type OpExporters, type OpRefusals, simple } from "./export-plan.js";
import { ADD_OPTIONS, type BuiltinName, MUL_OPTIONS, SOFTMAX_OPTIONS, SUB_OPTIONS } from "./schema.js";

/** ADD and SUB on int16 use the general rescaling kernel, as the converter's 16x8 mode writes them. */
const addSubValues = (plan: ExportPlan) => (node: Node) => ({
  ...activationOf(node),
  potScaleInt16: plan.tensor(node.inputs[0] as string).dtype !== "int16",
});

/** A Clip that TFLite has an op for. */
const clipBuiltin = (attrs: { min: number; max: number }): BuiltinName | undefined =>
  attrs.min === 0 && attrs.max === 6
    ? "RELU6"
    : attrs.min === 0 && attrs.max === Number.POSITIVE_INFINITY
      ? "RELU"
      : attrs.min === -1 && attrs.max === 1
        ? "RELU_N1_TO_1"
        : undefined;

/** Arithmetic, activations, softmax and the (de)quantization ops: one operator each, inputs and outputs as they are. */
export const ELEMENTWISE_EXPORTERS: OpExporters = {
  Softmax: (node, plan) => simple("SOFTMAX", SOFTMAX_OPTIONS, () => ({ beta: node.attrs.beta }))(node, plan),
  Add: (node, plan) => simple("ADD", ADD_OPTIONS, addSubValues(plan))(node, plan),
  Sub: (node, plan) => simple("SUB", SUB_OPTIONS, addSubValues(plan))(node, plan),
  Mul: (node, plan) => simple("MUL", MUL_OPTIONS, activationOf)(node, plan),
  Relu: (node, plan) => simple("RELU")(node, plan),
  Relu6: (node, plan) => simple("RELU6")(node, plan),
  ReluN1To1: (node, plan) => simple("RELU_N1_TO_1")(node, plan),
  Clip: (node, plan) => simple(clipBuiltin(node.attrs) as BuiltinName)(node, plan),
  Logistic: (node, plan) => simple("LOGISTIC")(node, plan),
  Tanh: (node, plan) => simple("TANH")(node, plan),
  Quantize: (node, plan) => simple("QUANTIZE")(node, plan),
  Dequantize: (node, plan) => simple("DEQUANTIZE")(node, plan),
};

export const ELEMENTWISE_REFUSALS: OpRefusals = {
  Clip: (node) => (clipBuiltin(node.attrs) ? undefined : `Clip (${node.attrs.min}, ${node.attrs.max})`),
};
