import { EngineError } from "../errors.js";
import { addTensor, cloneGraph, type Graph, uniqueName } from "../ir/graph.js";
import type { Node, OpType } from "../ir/ops.js";
import type { QuantParams, Tensor } from "../ir/tensor.js";
import { realValues, roundHalfAway } from "../runtime/quant-math.js";
import { type ActivationBits, activationParams, fixedOutputParams, quantizeWeights } from "./params.js";

/** Ops with weights: their weights become int8 and their bias int32 (int64 with 16-bit activations). */
export const WEIGHTED_OPS: ReadonlySet<OpType> = new Set(["Conv2D", "DepthwiseConv2D", "FullyConnected"]);

/** Ops whose output keeps its input's quantization (they move or select values; TFLM requires it). */
const PASS_THROUGH: ReadonlySet<OpType> = new Set([
  "Reshape",
  "Transpose",
  "MaxPool2D",
  "AveragePool2D",
  "Pad",
  "Identity",
]);

/** Ops a quantized graph may hold. */
const QUANTIZABLE: ReadonlySet<OpType> = new Set([
  ...WEIGHTED_OPS,
  ...PASS_THROUGH,
  "Concat",
  "Softmax",
  "Add",
  "Sub",
  "Mul",
  "Mean",
  "Relu",
  "Relu6",
  "ReluN1To1",
  "Logistic",
  "Tanh",
  "Quantize",
]);

/** Activation width of each node (by name); nodes absent from the plan use `defaultBits`. */
export interface PrecisionPlan {
  defaultBits: ActivationBits;
  bits?: ReadonlyMap<string, ActivationBits>;
}

/** Weight quantization axis: output channels (OHWI: 0; depthwise [1,kh,kw,C]: 3); FC per tensor. */
export const weightAxis = (op: OpType): number | undefined =>
  op === "Conv2D" ? 0 : op === "DepthwiseConv2D" ? 3 : undefined;

/**
 * Quantizes a float NHWC graph following the TFLite integer specification: activations per tensor (int8
 * asymmetric, or int16 symmetric per the plan), weights int8 symmetric per output channel, biases int32
 * (int64 for 16-bit activations) with scale = input scale × weight scale. Tensors that TFLM requires to
 * share parameters (the input and output of pass-through ops, all inputs and the output of a
 * concatenation) get the union of their ranges. Where a node reads an activation of another width, a
 * Quantize node converts it. `ranges` holds the calibrated real range of every activation.
 */
export function quantizeInteger(
  float: Graph,
  ranges: ReadonlyMap<string, [number, number]>,
  plan: PrecisionPlan,
): Graph {
  const unsupported = [...new Set(float.nodes.filter((n) => !QUANTIZABLE.has(n.op)).map((n) => n.op))];
  if (unsupported.length > 0) {
    throw new EngineError("UNSUPPORTED_OPS", `integer quantization does not support ${unsupported.join(", ")} yet`, {
      ops: unsupported,
    });
  }
  const graph = cloneGraph(float);
  const bitsOf = new Map<string, ActivationBits>(); // activation tensor → width
  const nodeBits = (node: Node): ActivationBits => plan.bits?.get(node.name) ?? plan.defaultBits;

  // 1. Widths: a pass-through node follows its input; others follow the plan. Graph inputs take the width
  //    of their first reader.
  const isActivation = (name: string) => name !== "" && !(graph.tensors.get(name) as Tensor).data;
  for (const input of graph.inputs) {
    const reader = graph.nodes.find((n) => n.inputs.includes(input));
    bitsOf.set(input, reader ? nodeBits(reader) : plan.defaultBits);
  }
  const inserted: Node[] = [];
  for (const node of [...graph.nodes]) {
    const inputBits = node.inputs.filter(isActivation).map((i) => bitsOf.get(i) as ActivationBits);
    const bits: ActivationBits = PASS_THROUGH.has(node.op) ? (inputBits[0] ?? plan.defaultBits) : nodeBits(node);
    // Convert inputs of another width.
    node.inputs = node.inputs.map((name) => {
      if (!isActivation(name) || bitsOf.get(name) === bits) return name;
      const t = graph.tensors.get(name) as Tensor;
      const converted = addTensor(graph, {
        name: uniqueName(graph, `${name}_i${bits}`),
        dtype: t.dtype,
        shape: [...t.shape],
      });
      const q: Node = {
        name: uniqueName(graph, `${node.name}_requantize`),
        op: "Quantize",
        inputs: [name],
        outputs: [converted.name],
        attrs: {},
      };
      graph.nodes.splice(graph.nodes.indexOf(node), 0, q);
      inserted.push(q);
      bitsOf.set(converted.name, bits);
      return converted.name;
    });
    for (const o of node.outputs) bitsOf.set(o, bits);
  }

  // 2. Groups of tensors that must share parameters (union-find), then one range per group.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    const p = parent.get(x) ?? x;
    if (p === x) return x;
    const root = find(p);
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => {
    if (bitsOf.get(a) === bitsOf.get(b)) parent.set(find(a), find(b));
  };
  for (const node of graph.nodes) {
    if (PASS_THROUGH.has(node.op)) union(node.inputs[0] as string, node.outputs[0] as string);
    if (node.op === "Concat") for (const i of node.inputs) if (isActivation(i)) union(i, node.outputs[0] as string);
  }
  const rangeOf = (name: string): [number, number] => {
    const r = ranges.get(name) ?? ranges.get(name.replace(/_i(8|16)(_\d+)?$/, ""));
    if (!r) throw new EngineError("INVALID_GRAPH", `no calibrated range for tensor "${name}"`);
    return r;
  };
  const groupRange = new Map<string, [number, number]>();
  const groupFixed = new Map<string, QuantParams>();
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  for (const name of bitsOf.keys()) {
    const root = find(name);
    const [lo, hi] = rangeOf(name);
    const g = groupRange.get(root);
    groupRange.set(root, g ? [Math.min(g[0], lo), Math.max(g[1], hi)] : [lo, hi]);
    const producer = producers.get(name);
    const fixed = producer ? fixedOutputParams(producer.op, bitsOf.get(name) as ActivationBits) : undefined;
    if (fixed) groupFixed.set(root, fixed);
  }

  // 3. Activation tensors.
  for (const [name, bits] of bitsOf) {
    const root = find(name);
    const [lo, hi] = groupRange.get(root) as [number, number];
    const t = graph.tensors.get(name) as Tensor;
    t.dtype = bits === 16 ? "int16" : "int8";
    t.quant = groupFixed.get(root) ?? activationParams(lo, hi, bits);
  }

  // 4. Constants: weights and biases of weighted ops; other constant operands like activations.
  const done = new Set<string>();
  for (const node of graph.nodes) {
    const bits = bitsOf.get(node.outputs[0] as string) as ActivationBits;
    if (WEIGHTED_OPS.has(node.op)) {
      const w = graph.tensors.get(node.inputs[1] as string) as Tensor;
      if (!w.data)
        throw new EngineError("UNSUPPORTED_MODEL", `${node.op} "${node.name}" has weights computed at run time`);
      const wq = quantizeWeights(realValues(w), w.shape, weightAxis(node.op));
      const wName = done.has(w.name) ? uniqueName(graph, `${w.name}_${node.name}`) : w.name;
      graph.tensors.set(wName, { name: wName, dtype: "int8", shape: [...w.shape], data: wq.data, quant: wq.quant });
      done.add(wName);
      const inScale = (graph.tensors.get(node.inputs[0] as string) as Tensor).quant?.scale[0] as number;
      const channels =
        node.op === "FullyConnected"
          ? (w.shape[0] as number)
          : node.op === "Conv2D"
            ? (w.shape[0] as number)
            : (w.shape[3] as number);
      const biasName = node.inputs[2] ?? "";
      const biasReal = biasName ? realValues(graph.tensors.get(biasName) as Tensor) : new Float32Array(channels);
      const biasScale = Array.from(
        { length: channels },
        (_, c) => inScale * ((wq.quant.scale.length === 1 ? wq.quant.scale[0] : wq.quant.scale[c]) as number),
      );
      const newBias = uniqueName(graph, `${node.name}_bias_q`);
      const values = Array.from({ length: channels }, (_, c) =>
        Math.round((biasReal[c] as number) / (biasScale[c] as number)),
      );
      graph.tensors.set(newBias, {
        name: newBias,
        dtype: bits === 16 ? "int64" : "int32",
        shape: [channels],
        data:
          bits === 16
            ? BigInt64Array.from(values, (v) => BigInt(v))
            : Int32Array.from(values, (v) => Math.max(-2147483648, Math.min(2147483647, v))),
        quant: {
          scale: biasScale,
          zeroPoint: new Array<number>(channels).fill(0),
          ...(channels > 1 ? { axis: 0 } : {}),
        },
      });
      node.inputs = [node.inputs[0] as string, wName, newBias];
      continue;
    }
    node.inputs = node.inputs.map((name) => {
      if (name === "") return name;
      const t = graph.tensors.get(name) as Tensor;
      if (!t.data || t.quant || !t.dtype.startsWith("float")) return name;
      const real = realValues(t);
      let lo = 0;
      let hi = 0;
      for (const v of real) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const quant = activationParams(lo, hi, bits);
      const [qmin, qmax] = bits === 16 ? [-32768, 32767] : [-128, 127];
      const s = quant.scale[0] as number;
      const z = quant.zeroPoint[0] as number;
      const q = Array.from(real, (v) => Math.min(qmax, Math.max(qmin, roundHalfAway(v / s) + z)));
      const qName = uniqueName(graph, `${name}_q`);
      graph.tensors.set(qName, {
        name: qName,
        dtype: bits === 16 ? "int16" : "int8",
        shape: [...t.shape],
        data: bits === 16 ? Int16Array.from(q) : Int8Array.from(q),
        quant,
      });
      return qName;
    });
  }
  // Drop float constants nothing reads any more.
  const used = new Set(graph.nodes.flatMap((n) => n.inputs));
  for (const [name, t] of [...graph.tensors]) if (t.data && !used.has(name)) graph.tensors.delete(name);
  return graph;
}
