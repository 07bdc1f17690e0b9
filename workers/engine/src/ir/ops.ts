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

type Layout = "NHWC" | "NCHW";

export interface ConvAttrs {
  strides: [number, number];
  dilations: [number, number];
  padding: Padding;
  activation: Activation;
  layout: Layout;
}
interface DepthwiseAttrs extends ConvAttrs {
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

/**
 * What the passes, the quantizer, the code generator and the analysis need to know of each op, in one place.
 * A pass that asks "does this op commute with a transpose?" or "where are this layer's output channels?" reads
 * this table instead of keeping its own list of op names.
 */
export interface OpProperties {
  /** Inputs it takes: [required, maximum] (Concat: at least one, any number). */
  arity: readonly [number, number];
  /** It can carry a fused activation (TFLite's fused_activation_function). */
  fusedActivation?: true;
  /** Applied value by value: unary, or binary with numpy broadcasting. A transpose commutes with it. */
  elementwise?: "unary" | "binary";
  /** It only moves or selects values: folding it keeps an integer constant's dtype. */
  dataMovement?: true;
  /** Its output holds its input's bytes unchanged (same shape or a reshape): it can share the input's storage. */
  view?: true;
  /** A weighted layer [x, weights, bias?]: the axis of the output channels in its (NHWC-order) weights. */
  weights?: { outputChannelAxis: number };
  /** The fused activation this standalone op stands for. */
  activation?: Exclude<Activation, "none">;
  /** It changes how values are represented (quantized, float16, float32), not the values. */
  conversion?: true;
}

const UNARY = { arity: [1, 1], elementwise: "unary" } as const;
const BINARY = { arity: [2, 2], elementwise: "binary", fusedActivation: true } as const;
const POOL = { arity: [1, 1], fusedActivation: true } as const;

/** The op table. */
export const OPS: { readonly [T in OpType]: OpProperties } = {
  Conv2D: { arity: [2, 3], fusedActivation: true, weights: { outputChannelAxis: 0 } },
  DepthwiseConv2D: { arity: [2, 3], fusedActivation: true, weights: { outputChannelAxis: 3 } },
  FullyConnected: { arity: [2, 3], fusedActivation: true, weights: { outputChannelAxis: 0 } },
  MatMul: { arity: [2, 2] },
  AveragePool2D: POOL,
  MaxPool2D: POOL,
  Mean: { arity: [1, 1] },
  Reshape: { arity: [1, 1], dataMovement: true, view: true },
  Transpose: { arity: [1, 1], dataMovement: true },
  Softmax: { arity: [1, 1] },
  Add: BINARY,
  Sub: BINARY,
  Mul: BINARY,
  Concat: { arity: [1, Number.POSITIVE_INFINITY], fusedActivation: true, dataMovement: true },
  Pad: { arity: [1, 1], dataMovement: true },
  Relu: { ...UNARY, activation: "relu" },
  Relu6: { ...UNARY, activation: "relu6" },
  ReluN1To1: { ...UNARY, activation: "relu_n1_to_1" },
  Clip: UNARY,
  Logistic: UNARY,
  Tanh: { ...UNARY, activation: "tanh" },
  BatchNorm: { arity: [5, 5] },
  Quantize: { arity: [1, 1], conversion: true },
  Dequantize: { arity: [1, 1], conversion: true },
  Identity: { ...UNARY, dataMovement: true, view: true },
};

/** The ops whose properties satisfy `test`, in vocabulary order. */
const opsWhere = (test: (p: OpProperties) => boolean): ReadonlySet<OpType> =>
  new Set(OP_TYPES.filter((op) => test(OPS[op])));

/** Ops that carry a fused activation. */
export const FUSABLE_ACTIVATION_OPS = opsWhere((p) => p.fusedActivation === true);

/** Weighted layers ([x, weights, bias?]): Conv2D, DepthwiseConv2D, FullyConnected. */
export const WEIGHTED_OPS = opsWhere((p) => p.weights !== undefined);

/** The standalone op that stands for each fused activation (Relu for "relu", …). */
export const ACTIVATION_OPS = Object.fromEntries(
  OP_TYPES.flatMap((op) => {
    const activation = OPS[op].activation;
    return activation ? [[activation, op]] : [];
  }),
) as Readonly<Record<Exclude<Activation, "none">, OpType>>;

/** The weighted layers' op types. */
export type WeightedOp = "Conv2D" | "DepthwiseConv2D" | "FullyConnected";

/** Narrows a node to a weighted layer ([x, weights, bias?]). */
export const isWeighted = (node: Node): node is NodeOf<WeightedOp> & Node => WEIGHTED_OPS.has(node.op);

/**
 * Output channels of a weighted layer's weights (NHWC order: OHWI and [out, in] on the first axis, depthwise
 * [1, kh, kw, C] on the last): their count and the channel of each element in row-major order.
 */
export function weightChannels(op: WeightedOp, shape: readonly number[]): { count: number; of: (i: number) => number } {
  const axis = OPS[op].weights?.outputChannelAxis ?? 0;
  const count = shape[axis] as number;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { count, of: (i) => Math.floor(i / inner) % count };
}
