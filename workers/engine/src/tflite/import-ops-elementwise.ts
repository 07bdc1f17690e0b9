import type { OpImporter, OpImporters } from "./import-context.js";
import { ADD_OPTIONS, MUL_OPTIONS, SOFTMAX_OPTIONS, SUB_OPTIONS } from "./schema.js";

const unaryImporter =
  (op: "Relu" | "Relu6" | "ReluN1To1" | "Logistic" | "Tanh" | "Quantize" | "Dequantize"): OpImporter =>
  (ctx) =>
    ctx.node(op, [ctx.input(0)], {});

const binaryImporter =
  (op: "Add" | "Sub" | "Mul", table: typeof ADD_OPTIONS | typeof SUB_OPTIONS | typeof MUL_OPTIONS): OpImporter =>
  (ctx) =>
    ctx.node(op, [ctx.input(0), ctx.input(1)], {
      activation: ctx.activation(ctx.options(table).fusedActivationFunction),
    });

/** Arithmetic, activations, softmax and the (de)quantization ops: one IR node each, inputs as they are. */
export const ELEMENTWISE_IMPORTERS: OpImporters = {
  SOFTMAX: (ctx) => ctx.node("Softmax", [ctx.input(0)], { beta: ctx.options(SOFTMAX_OPTIONS).beta }),
  ADD: binaryImporter("Add", ADD_OPTIONS),
  SUB: binaryImporter("Sub", SUB_OPTIONS),
  MUL: binaryImporter("Mul", MUL_OPTIONS),
  RELU: unaryImporter("Relu"),
  RELU6: unaryImporter("Relu6"),
  RELU_N1_TO_1: unaryImporter("ReluN1To1"),
  LOGISTIC: unaryImporter("Logistic"),
  TANH: unaryImporter("Tanh"),
  QUANTIZE: unaryImporter("Quantize"),
  DEQUANTIZE: unaryImporter("Dequantize"),
};
