/**
 * The IR's one op vocabulary. Semantics follow TensorFlow Lite (NHWC activations; convolution weights OHWI,
 * depthwise weights [1, kh, kw, channels × multiplier], fully connected weights [out, in]). Importers of
 * formats with other conventions (ONNX: NCHW, OIHW) produce the same ops with `layout: "NCHW"` and the
 * `nchwToNhwc` pass rewrites them; every later pass and every exporter sees NHWC only.
 *
 * Inputs are tensor names in a fixed order per op (listed below); an absent optional input is "".
 * With `layout: "NCHW"` (ONNX imports, before `nchwToNhwc`), activations are [N, C, H, W] and weights keep
 * ONNX's order: convolution [O, I, kh, kw], depthwise [C × multiplier, 1, kh, kw].
 */
export const OP_TYPES = [
  "Conv2D", // [x, weights, bias?]
  "DepthwiseConv2D", // [x, weights, bias?]
  "FullyConnected", // [x, weights, bias?]   x is flattened to [rows, in] as TFLite does
  "MatMul", // [a, b]                  both computed at run time (b constant becomes FullyConnected)
  "AveragePool2D", // [x]
  "MaxPool2D", // [x]
  "Mean", // [x]                     reduce over attrs.axes
  "Reshape", // [x]                     to attrs.shape
  "Transpose", // [x]                     by attrs.perm
  "Softmax", // [x]                     over the last axis
  "Add", // [a, b]                  with numpy broadcasting
  "Sub", // [a, b]
  "Mul", // [a, b]
  "Concat", // [x0, x1, ...]           along attrs.axis
  "Pad", // [x]                     attrs.pads
  "Relu", // [x]
  "Relu6", // [x]
  "ReluN1To1", // [x]
  "Clip", // [x]                     attrs.min / attrs.max (becomes Relu / Relu6 where it matches)
  "Logistic", // [x]
  "Tanh", // [x]
  "BatchNorm", // [x, scale, bias, mean, variance]   folded away by passes
  "Quantize", // [x]                     float → quantized, or requantize between quantized types
  "Dequantize", // [x]                     quantized or float16 → float32
  "Identity", // [x]                     removed by passes (ONNX Identity, Dropout in inference)
] as const;
export type OpType = (typeof OP_TYPES)[number];

/** A fused activation, applied to an op's output (TFLite's fused_activation_function). */
export type Activation = "none" | "relu" | "relu6" | "relu_n1_to_1" | "tanh";

/** "same" and "valid" as in TensorFlow; explicit [top, left, bottom, right] otherwise. */
export type Padding = "same" | "valid" | [number, number, number, number];

export type Layout = "NHWC" | "NCHW";

export interface ConvAttrs {
  strides: [number, number];
  dilations: [number, number];
  padding: Padding;
  activation: Activation;
  layout: Layout;
}
export interface DepthwiseAttrs extends ConvAttrs {
  depthMultiplier: number;
}
export interface PoolAttrs {
  filter: [number, number];
  strides: [number, number];
  padding: Padding;
  activation: Activation;
  layout: Layout;
}

/** Attributes of each op type. */
export interface OpAttrs {
  Conv2D: ConvAttrs;
  DepthwiseConv2D: DepthwiseAttrs;
  FullyConnected: { activation: Activation; keepNumDims: boolean };
  MatMul: { transposeA: boolean; transposeB: boolean };
  AveragePool2D: PoolAttrs;
  MaxPool2D: PoolAttrs;
  Mean: { axes: number[]; keepDims: boolean };
  Reshape: { shape: number[] };
  Transpose: { perm: number[] };
  Softmax: { beta: number };
  Add: { activation: Activation };
  Sub: { activation: Activation };
  Mul: { activation: Activation };
  Concat: { axis: number; activation: Activation };
  /** [before, after] for each dimension; constant padding with `value` (0 for quantized: the zero point). */
  Pad: { pads: [number, number][]; value: number };
  Relu: Record<string, never>;
  Relu6: Record<string, never>;
  ReluN1To1: Record<string, never>;
  Clip: { min: number; max: number };
  Logistic: Record<string, never>;
  Tanh: Record<string, never>;
  BatchNorm: { epsilon: number; layout: Layout };
  Quantize: Record<string, never>;
  Dequantize: Record<string, never>;
  Identity: Record<string, never>;
}

/** A node of op type T. `name` is unique in its graph. */
export interface NodeOf<T extends OpType> {
  name: string;
  op: T;
  inputs: string[];
  outputs: string[];
  attrs: OpAttrs[T];
}
export type Node = { [T in OpType]: NodeOf<T> }[OpType];

/** Narrows a node to one op type. */
export const isOp = <T extends OpType>(node: Node, op: T): node is NodeOf<T> & Node => node.op === op;

/** Ops that carry a fused activation. */
export const FUSABLE_ACTIVATION_OPS: ReadonlySet<OpType> = new Set([
  "Conv2D",
  "DepthwiseConv2D",
  "FullyConnected",
  "AveragePool2D",
  "MaxPool2D",
  "Add",
  "Sub",
  "Mul",
  "Concat",
]);
