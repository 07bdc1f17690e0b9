import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { QuantParams } from "../ir/tensor.js";
import type { ActivationBits } from "./params.js";

/** What a rule's constant handler works on: the graph being quantized and the width of the node's output. */
export interface ConstantsContext {
  graph: Graph;
  bits: ActivationBits;
  /** Weights already quantized for another node (a weight tensor read by two layers gets one copy each). */
  quantizedWeights: Set<string>;
}

/**
 * How the integer quantizer treats one op (ONNX Runtime's quantizer keeps such a registry: a plain map from op
 * type to its handler; an op without a rule is refused by name).
 */
export interface QuantRule {
  /**
   * How the output's parameters relate to the inputs': its own (from the precision plan and the calibrated
   * range); the input's (ops that move or select values keep their input's width and parameters, as TFLM
   * requires); or shared with every activation input (a concatenation: one range for all).
   */
  params: "own" | "input" | "union";
  /** The mixed-precision planner may choose this op's width; the others follow the plan's default or their input. */
  choosable: boolean;
  /** Output parameters fixed by the op's known output range (TFLite's op constraints), per width. */
  fixedOutput?: Readonly<Record<ActivationBits, QuantParams>>;
  /** Quantizes the node's constant operands and rewires the node to them. */
  quantizeConstants: (node: Node, ctx: ConstantsContext) => void;
}
