import { EngineError } from "../errors.js";
import { allocData, type TensorData } from "../ir/dtype.js";
import type { Activation, Node, NodeOf, OpType, Padding } from "../ir/ops.js";
import { samePadding } from "../ir/shape-inference.js";
import { elementCount, type QuantParams, type Tensor } from "../ir/tensor.js";
import { floatAttr, intAttr, intsAttr, isQuantized, type OnnxGraphBuilder, TO_NCHW } from "./export-builder.js";
import type { OnnxAttribute } from "./schema.js";

/**
 * IR op → ONNX nodes, one writer an op type. Every writer computes in float32 on the float views of its
 * inputs and hands its float result to `builder.produced`, which rounds it to the quantized grid when the
 * IR tensor is quantized (QuantizeLinear; readers get it back through DequantizeLinear): the QDQ form.
 * Spatial ops of NHWC graphs read and write NCHW views (ONNX's Conv and pools are NCHW only).
 */
type OpWriter = (b: OnnxGraphBuilder, node: Node) => void;

/** One ONNX node of a chain: its op, the inputs after the previous value, its attributes. */
type Step = [opType: string, extraInputs: string[], attributes: OnnxAttribute[]];

/**
 * Emits `first` then each step on the previous result; the last node writes the result name of IR tensor
 * `out` and the result is handed to `produced`.
 */
function emitChain(
  b: OnnxGraphBuilder,
  out: string,
  first: [opType: string, inputs: string[], attributes: OnnxAttribute[]],
  steps: (Step | undefined)[],
  nchw = false,
): void {
  const chain = steps.filter((s): s is Step => s !== undefined);
  let value: string;
  if (chain.length === 0) {
    value = b.resultName(out, nchw);
    b.node(first[0], first[1], [value], first[2]);
  } else {
    value = b.op(first[0], first[1], `${out}_${first[0].toLowerCase()}`, first[2]);
    chain.forEach(([opType, extra, attrs], i) => {
      if (i === chain.length - 1) {
        const result = b.resultName(out, nchw);
        b.node(opType, [value, ...extra], [result], attrs);
        value = result;
      } else {
        value = b.op(opType, [value, ...extra], `${out}_${opType.toLowerCase()}`, attrs);
      }
    });
  }
  b.produced(out, value, nchw);
}

const clipStep = (b: OnnxGraphBuilder, base: string, min: number, max: number): Step => [
  "Clip",
  [b.floatScalar(`${base}_min`, min), b.floatScalar(`${base}_max`, max)],
  [],
];

function activationStep(b: OnnxGraphBuilder, base: string, activation: Activation): Step | undefined {
  switch (activation) {
    case "none":
      return undefined;
    case "relu":
      return ["Relu", [], []];
    case "relu6":
      return clipStep(b, base, 0, 6);
    case "relu_n1_to_1":
      return clipStep(b, base, -1, 1);
    case "tanh":
      return ["Tanh", [], []];
  }
}

/** A copy of `data` (shape `shape`) with its axes permuted. */
function permuteData(
  data: TensorData,
  shape: readonly number[],
  perm: readonly number[],
  dtype: Parameters<typeof allocData>[0],
) {
  const outShape = perm.map((p) => shape[p] as number);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, d) => a * d, 1));
  const out = allocData(dtype, data.length);
  const src = data as unknown as (number | bigint)[];
  const dst = out as unknown as (number | bigint)[];
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < data.length; i++) {
    let off = 0;
    for (let d = 0; d < perm.length; d++) off += (idx[d] as number) * (strides[perm[d] as number] as number);
    dst[i] = src[off] as number | bigint;
    for (let d = perm.length - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (outShape[d] as number)) break;
      idx[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** Convolution weights in ONNX order ([O, I, kh, kw]; depthwise [C × m, 1, kh, kw]) as float32. */
function onnxWeights(b: OnnxGraphBuilder, name: string, depthwise: boolean, nchw: boolean): string {
  if (nchw) return b.float(name);
  const perm = depthwise ? [3, 0, 1, 2] : TO_NCHW;
  const w = b.tensor(name);
  if (w.data) return permutedConstant(b, w, perm);
  // Weights stored as float16 or integers and restored by an IR Dequantize (float16 quantization):
  // reorder the stored constant, then restore it.
  const producer = b.producerOf(name);
  const source = producer?.op === "Dequantize" ? b.tensor(producer.inputs[0] as string) : undefined;
  if (source?.data && source.dtype === "float16") {
    const { data, shape } = permuteData(source.data, source.shape, perm, source.dtype);
    const half = b.constant(`${source.name}_oihw`, "float16", shape, data);
    return b.op("Cast", [half], `${name}_oihw`, [intAttr("to", 1)]);
  }
  if (source?.data && isQuantized(source)) return permutedConstant(b, source, perm);
  return b.op("Transpose", [b.float(name)], `${name}_oihw`, [intsAttr("perm", perm)]);
}

/** A constant permuted (its per-axis quantization axis following), as float32 or dequantized integers. */
function permutedConstant(b: OnnxGraphBuilder, w: Tensor, perm: readonly number[]): string {
  const { data, shape } = permuteData(w.data as TensorData, w.shape, perm, w.dtype);
  let quant: QuantParams | undefined = w.quant;
  if (quant && quant.scale.length > 1) quant = { ...quant, axis: perm.indexOf(quant.axis ?? 0) };
  return b.constantFloat(w, data, shape, quant);
}

function onnxPads(
  padding: Padding,
  hw: [number, number],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): number[] {
  if (padding === "valid") return [0, 0, 0, 0];
  if (padding === "same") return samePadding(hw[0], hw[1], kernel, strides, dilations);
  return [...padding];
}

const spatialHW = (shape: readonly number[], nchw: boolean): [number, number] =>
  nchw ? [shape[2] as number, shape[3] as number] : [shape[1] as number, shape[2] as number];

function convolution(b: OnnxGraphBuilder, node: NodeOf<"Conv2D"> | NodeOf<"DepthwiseConv2D">): void {
  const nchw = node.attrs.layout === "NCHW";
  const [xName, wName, biasName] = node.inputs as [string, string, string | undefined];
  const x = b.tensor(xName);
  const w = b.tensor(wName);
  const depthwise = node.op === "DepthwiseConv2D";
  const kernel: [number, number] =
    nchw || !depthwise ? spatialHW(w.shape, nchw) : [w.shape[1] as number, w.shape[2] as number];
  const channels = (nchw ? x.shape[1] : x.shape[3]) as number;
  const { strides, dilations, padding, activation } = node.attrs;
  const inputs = [nchw ? b.float(xName) : b.floatNchw(xName), onnxWeights(b, wName, depthwise, nchw)];
  if (biasName) inputs.push(b.float(biasName));
  const attrs = [
    intsAttr("kernel_shape", kernel),
    intsAttr("strides", strides),
    intsAttr("dilations", dilations),
    intsAttr("pads", onnxPads(padding, spatialHW(x.shape, nchw), kernel, strides, dilations)),
    intAttr("group", depthwise ? channels : 1),
  ];
  const out = node.outputs[0] as string;
  emitChain(b, out, ["Conv", inputs, attrs], [activationStep(b, out, activation)], !nchw);
}

function pool(b: OnnxGraphBuilder, node: NodeOf<"AveragePool2D"> | NodeOf<"MaxPool2D">): void {
  const nchw = node.attrs.layout === "NCHW";
  const xName = node.inputs[0] as string;
  const x = b.tensor(xName);
  const { filter, strides, padding, activation } = node.attrs;
  const attrs = [
    intsAttr("kernel_shape", filter),
    intsAttr("strides", strides),
    intsAttr("pads", onnxPads(padding, spatialHW(x.shape, nchw), filter, strides, [1, 1])),
  ];
  // TFLite's average pooling divides by the number of input elements under the window (padding excluded).
  if (node.op === "AveragePool2D") attrs.push(intAttr("count_include_pad", 0));
  const out = node.outputs[0] as string;
  const opType = node.op === "AveragePool2D" ? "AveragePool" : "MaxPool";
  emitChain(
    b,
    out,
    [opType, [nchw ? b.float(xName) : b.floatNchw(xName)], attrs],
    [activationStep(b, out, activation)],
    !nchw,
  );
}

const reshapeStep = (b: OnnxGraphBuilder, base: string, shape: readonly number[]): Step => [
  "Reshape",
  [b.int64s(`${base}_shape`, shape)],
  [],
];

function fullyConnected(b: OnnxGraphBuilder, node: NodeOf<"FullyConnected">): void {
  const [xName, wName, biasName] = node.inputs as [string, string, string | undefined];
  const x = b.tensor(xName);
  const w = b.tensor(wName);
  const out = node.outputs[0] as string;
  const depth = w.shape[1] as number;
  const units = w.shape[0] as number;
  const rows = elementCount(x.shape) / depth;
  let xs = b.float(xName);
  if (x.shape.length !== 2 || x.shape[1] !== depth)
    xs = b.op("Reshape", [xs, b.int64s(`${out}_rows`, [rows, depth])], `${out}_rows`);
  const inputs = [xs, b.float(wName)];
  if (biasName) inputs.push(b.float(biasName));
  const outShape = b.tensor(out).shape;
  const reshape = outShape.length !== 2 || outShape[0] !== rows || outShape[1] !== units;
  emitChain(
    b,
    out,
    ["Gemm", inputs, [intAttr("transB", 1)]],
    [reshape ? reshapeStep(b, out, outShape) : undefined, activationStep(b, out, node.attrs.activation)],
  );
}

function matMul(b: OnnxGraphBuilder, node: NodeOf<"MatMul">): void {
  const out = node.outputs[0] as string;
  const operand = (name: string, transpose: boolean) => {
    const value = b.float(name);
    if (!transpose) return value;
    const rank = b.tensor(name).shape.length;
    const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    return b.op("Transpose", [value], `${name}_t`, [intsAttr("perm", perm)]);
  };
  const a = operand(node.inputs[0] as string, node.attrs.transposeA);
  const c = operand(node.inputs[1] as string, node.attrs.transposeB);
  emitChain(b, out, ["MatMul", [a, c], []], []);
}

function elementwise(opType: "Add" | "Sub" | "Mul") {
  return (b: OnnxGraphBuilder, node: NodeOf<"Add"> | NodeOf<"Sub"> | NodeOf<"Mul">) => {
    const out = node.outputs[0] as string;
    const inputs = node.inputs.map((i) => b.float(i));
    emitChain(b, out, [opType, inputs, []], [activationStep(b, out, node.attrs.activation)]);
  };
}

function unary(opType: string, attrs: OnnxAttribute[] = []) {
  return (b: OnnxGraphBuilder, node: Node) => {
    emitChain(b, node.outputs[0] as string, [opType, [b.float(node.inputs[0] as string)], attrs], []);
  };
}

function clipTo(min: number, max: number) {
  return (b: OnnxGraphBuilder, node: Node) => {
    const out = node.outputs[0] as string;
    const [, extra] = clipStep(b, out, min, max);
    emitChain(b, out, ["Clip", [b.float(node.inputs[0] as string), ...extra], []], []);
  };
}

function mean(b: OnnxGraphBuilder, node: NodeOf<"Mean">): void {
  const out = node.outputs[0] as string;
  const rank = b.tensor(node.inputs[0] as string).shape.length;
  const axes = node.attrs.axes.map((a) => (a < 0 ? a + rank : a));
  const keep = intAttr("keepdims", node.attrs.keepDims ? 1 : 0);
  const x = b.float(node.inputs[0] as string);
  if (b.opset >= 18) emitChain(b, out, ["ReduceMean", [x, b.int64s(`${out}_axes`, axes)], [keep]], []);
  else emitChain(b, out, ["ReduceMean", [x], [intsAttr("axes", axes), keep]], []);
}

function softmax(b: OnnxGraphBuilder, node: NodeOf<"Softmax">): void {
  const out = node.outputs[0] as string;
  let x = b.float(node.inputs[0] as string);
  if (node.attrs.beta !== 1) x = b.op("Mul", [x, b.floatScalar(`${out}_beta`, node.attrs.beta)], `${out}_scaled`);
  emitChain(b, out, ["Softmax", [x], [intAttr("axis", -1)]], []);
}

function pad(b: OnnxGraphBuilder, node: NodeOf<"Pad">): void {
  const out = node.outputs[0] as string;
  const xName = node.inputs[0] as string;
  const pads = [...node.attrs.pads.map((p) => p[0]), ...node.attrs.pads.map((p) => p[1])];
  // A quantized tensor pads with its zero point, which is the real value 0.
  const value = isQuantized(b.tensor(xName)) ? 0 : node.attrs.value;
  const inputs = [b.float(xName), b.int64s(`${out}_pads`, pads), b.floatScalar(`${out}_value`, value)];
  emitChain(b, out, ["Pad", inputs, [attribute("mode", "constant")]], []);
}

const attribute = (name: string, value: string): OnnxAttribute => ({
  name,
  type: 3,
  s: new TextEncoder().encode(value),
  floats: [],
  ints: [],
  strings: [],
  tensors: [],
  graphCount: 0,
});

function batchNorm(b: OnnxGraphBuilder, node: NodeOf<"BatchNorm">): void {
  const out = node.outputs[0] as string;
  const xName = node.inputs[0] as string;
  const spatial = b.tensor(xName).shape.length === 4 && node.attrs.layout === "NHWC";
  const params = node.inputs.slice(1).map((i) => b.float(i));
  const x = spatial ? b.floatNchw(xName) : b.float(xName);
  emitChain(b, out, ["BatchNormalization", [x, ...params], [floatAttr("epsilon", node.attrs.epsilon)]], [], spatial);
}

function quantize(b: OnnxGraphBuilder, node: NodeOf<"Quantize">): void {
  const out = node.outputs[0] as string;
  if (!isQuantized(b.tensor(out))) {
    throw new EngineError(
      "INVALID_GRAPH",
      `Quantize "${node.name}" writes "${out}", which has no quantization parameters`,
    );
  }
  // From float, or requantized from other integers (their real values, then the output grid).
  b.produced(out, b.float(node.inputs[0] as string));
}

function dequantize(b: OnnxGraphBuilder, node: NodeOf<"Dequantize">): void {
  const out = node.outputs[0] as string;
  const xName = node.inputs[0] as string;
  const x = b.tensor(xName);
  if (x.dtype === "float16") {
    const half = x.data ? b.constant(`${xName}_f16`, "float16", x.shape, x.data) : b.primary(xName);
    emitChain(b, out, ["Cast", [half], [intAttr("to", 1)]], []);
    return;
  }
  if (!isQuantized(x)) {
    throw new EngineError(
      "INVALID_GRAPH",
      `Dequantize "${node.name}" reads "${xName}", which is neither quantized nor float16`,
    );
  }
  const { scale, zeroPoint, attrs } = b.quantInputs(xName, x.quant as QuantParams, x.dtype);
  emitChain(b, out, ["DequantizeLinear", [b.int(xName), scale, zeroPoint], attrs], []);
}

/**
 * A Transpose NHWC → NCHW of a tensor the exporter already holds in NCHW (the output of an NHWC conv or
 * pool) is that NCHW view: no node, so the pair of inverse Transposes is never written. A Transpose
 * NCHW → NHWC feeding NHWC convs is skipped the same way, in `floatNchw`.
 */
function transpose(b: OnnxGraphBuilder, node: NodeOf<"Transpose">): void {
  const out = node.outputs[0] as string;
  const input = node.inputs[0] as string;
  const views = b.viewsOf(input);
  const perm = node.attrs.perm;
  const toNchw = perm.length === 4 && perm.every((p, i) => p === TO_NCHW[i]);
  if (toNchw && (views.floatNchw || views.intNchw) && b.sameGridAs(input, out)) {
    b.produced(out, b.floatNchw(input));
    return;
  }
  unary("Transpose", [intsAttr("perm", perm)])(b, node);
}

const OP_WRITERS: { [T in OpType]: (b: OnnxGraphBuilder, node: NodeOf<T>) => void } = {
  Conv2D: convolution,
  DepthwiseConv2D: convolution,
  FullyConnected: fullyConnected,
  MatMul: matMul,
  AveragePool2D: pool,
  MaxPool2D: pool,
  Mean: mean,
  Reshape: (b, node) => {
    const out = node.outputs[0] as string;
    const shape = b.tensor(out).shape;
    emitChain(b, out, ["Reshape", [b.float(node.inputs[0] as string), b.int64s(`${out}_shape`, shape)], []], []);
  },
  Transpose: transpose,
  Softmax: softmax,
  Add: elementwise("Add"),
  Sub: elementwise("Sub"),
  Mul: elementwise("Mul"),
  Concat: (b, node) => {
    const out = node.outputs[0] as string;
    const rank = b.tensor(out).shape.length;
    const axis = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
    const inputs = node.inputs.map((i) => b.float(i));
    emitChain(b, out, ["Concat", inputs, [intAttr("axis", axis)]], [activationStep(b, out, node.attrs.activation)]);
  },
  Pad: pad,
  Relu: unary("Relu"),
  Relu6: clipTo(0, 6),
  ReluN1To1: clipTo(-1, 1),
  Clip: (b, node) => clipTo(node.attrs.min, node.attrs.max)(b, node),
  Logistic: unary("Sigmoid"),
  Tanh: unary("Tanh"),
  BatchNorm: batchNorm,
  Quantize: quantize,
  Dequantize: dequantize,
  Identity: unary("Identity"),
};

export const writerOf = (op: OpType): OpWriter => OP_WRITERS[op] as OpWriter;
