import type { Graph } from "../ir/graph.js";
import type { OpType } from "../ir/ops.js";
import type { QuantParams } from "../ir/tensor.js";
import { quantizeConstantOperands } from "./constant-operands.js";
import type { ActivationBits } from "./params.js";
import type { QuantRule } from "./quant-rule.js";
import { weightedLayerOperands } from "./weighted-layer.js";

/** Convolutions: int8 weights per output channel, int32 (int64) bias. */
const CONVOLUTION: QuantRule = {
  params: "own",
  choosable: true,
  quantizeConstants: weightedLayerOperands("per-channel"),
};
/** Fully connected layers: int8 weights per tensor (as TFLite's converter does), int32 (int64) bias. */
const FULLY_CONNECTED: QuantRule = { ...CONVOLUTION, quantizeConstants: weightedLayerOperands("per-tensor") };
/** Ops that move or select values: the output keeps the input's quantization. */
const PASS_THROUGH: QuantRule = { params: "input", choosable: false, quantizeConstants: quantizeConstantOperands };
/** Add, Sub, Mul, Mean: requantized arithmetic; a constant operand is quantized like an activation. */
const ARITHMETIC: QuantRule = { params: "own", choosable: true, quantizeConstants: quantizeConstantOperands };
/** Clamping activations and requantization: own parameters at the plan's width; the mixed planner leaves them be. */
const FOLLOWS_PLAN: QuantRule = { params: "own", choosable: false, quantizeConstants: quantizeConstantOperands };
const PROBABILITY_OUTPUT: QuantRule = {
  ...ARITHMETIC,
  fixedOutput: { 8: { scale: [1 / 256], zeroPoint: [-128] }, 16: { scale: [1 / 32768], zeroPoint: [0] } },
};
const SYMMETRIC_UNIT_OUTPUT: QuantRule = {
  ...ARITHMETIC,
  fixedOutput: { 8: { scale: [1 / 128], zeroPoint: [0] }, 16: { scale: [1 / 32768], zeroPoint: [0] } },
};

/** The ops a quantized graph may hold. */
export const QUANT_RULES: { readonly [T in OpType]?: QuantRule } = {
  Conv2D: CONVOLUTION,
  DepthwiseConv2D: CONVOLUTION,
  FullyConnected: FULLY_CONNECTED,
  Reshape: PASS_THROUGH,
  Transpose: PASS_THROUGH,
  MaxPool2D: PASS_THROUGH,
  AveragePool2D: PASS_THROUGH,
  Pad: PASS_THROUGH,
  Identity: PASS_THROUGH,
  Concat: { ...ARITHMETIC, params: "union" },
  Add: ARITHMETIC,
  Sub: ARITHMETIC,
  Mul: ARITHMETIC,
  Mean: ARITHMETIC,
  Softmax: PROBABILITY_OUTPUT, // [0, 1)
  Logistic: PROBABILITY_OUTPUT, // (0, 1)
  Tanh: SYMMETRIC_UNIT_OUTPUT, // (-1, 1)
  Relu: FOLLOWS_PLAN,
  Relu6: FOLLOWS_PLAN,
  ReluN1To1: FOLLOWS_PLAN,
  Quantize: FOLLOWS_PLAN,
};

/** The rule of a node's op; callers have refused graphs with unsupported ops (`unsupportedOps`) first. */
export const quantRuleOf = (op: OpType): QuantRule => QUANT_RULES[op] as QuantRule;

/** The ops of a graph that integer quantization does not support, each once. */
export const unsupportedOps = (graph: Graph): OpType[] => [
  ...new Set(graph.nodes.filter((n) => !QUANT_RULES[n.op]).map((n) => n.op)),
];

/** Fixed output parameters of ops whose output range is known (TFLite's op constraints). */
export const fixedOutputParams = (op: OpType, bits: ActivationBits): QuantParams | undefined =>
  QUANT_RULES[op]?.fixedOutput?.[bits];
