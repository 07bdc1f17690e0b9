import { DTYPE_BYTES } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import { isWeighted, type Node, type NodeOf, OPS, type OpType } from "../ir/ops.js";
import { elementCount, type Tensor } from "../ir/tensor.js";

interface LayerAnalysis {
  name: string;
  op: OpType;
  macs: number;
  params: number;
  outputShape: number[];
  outputBytes: number;
}

export interface ModelAnalysis {
  name: string;
  ops: Record<string, number>;
  nodes: number;
  params: number;
  macs: number;
  layers: LayerAnalysis[];
  /** Every activation tensor (graph inputs and node outputs) with its size at its dtype. */
  activations: { name: string; shape: number[]; dtype: string; bytes: number }[];
  /** Largest total size of the activations alive at once when the nodes run in graph order. */
  peakActivationBytes: number;
  /** Where the peak is reached: the node running at that moment. */
  peakAt: string;
  /** Bytes of weights and biases at each precision (TFLite layouts: int8 bias int32, int16x8 bias int64). */
  weightBytes: { float32: number; float16: number; int8: number; int16x8: number };
}

type Shapes = { input: (slot: number) => number[]; output: number[] };

/** Multiply-accumulates per output element of the ops that multiply and accumulate. */
const MACS_PER_OUTPUT: { readonly [T in OpType]?: (node: NodeOf<T>, shapes: Shapes) => number } = {
  Conv2D: (_node, { input }) => {
    const w = input(1); // OHWI, or OIHW before nchwToNhwc: both multiply the three trailing dimensions
    return (w[1] as number) * (w[2] as number) * (w[3] as number);
  },
  DepthwiseConv2D: (node, { input }) => {
    const w = input(1);
    return node.attrs.layout === "NCHW" ? (w[2] as number) * (w[3] as number) : (w[1] as number) * (w[2] as number);
  },
  FullyConnected: (_node, { input }) => input(1)[1] as number,
  MatMul: (node, { input }) => {
    const a = input(0);
    return node.attrs.transposeA ? (a.at(-2) as number) : (a.at(-1) as number);
  },
};

/** Multiply-accumulates of one node (convolution, fully connected, matmul; 0 for the rest). */
function macsOf(graph: Graph, node: Node): number {
  const perOutput = MACS_PER_OUTPUT[node.op] as ((node: Node, shapes: Shapes) => number) | undefined;
  if (!perOutput) return 0;
  const output = (graph.tensors.get(node.outputs[0] as string) as Tensor).shape;
  const input = (i: number) => (graph.tensors.get(node.inputs[i] as string) as Tensor).shape;
  return elementCount(output) * perOutput(node, { input, output });
}

/** Weight-like constants a node reads: convolution/FC weights and bias, batch-norm and elementwise operands. */
function parameterTensors(graph: Graph, node: Node): Tensor[] {
  return node.inputs
    .filter(
      (name, slot) =>
        name !== "" &&
        // data movement (Concat) reads data, not parameters; binary elementwise ops may take either operand
        !OPS[node.op].dataMovement &&
        (slot > 0 || OPS[node.op].elementwise === "binary"),
    )
    .map((name) => graph.tensors.get(name) as Tensor)
    .filter((t) => t.data !== undefined && (t.dtype.startsWith("float") || t.quant !== undefined));
}

export function analyzeGraph(graph: Graph): ModelAnalysis {
  const ops: Record<string, number> = {};
  const layers: LayerAnalysis[] = [];
  const counted = new Set<string>();
  const weightBytes = { float32: 0, float16: 0, int8: 0, int16x8: 0 };
  let params = 0;
  let macs = 0;
  for (const node of graph.nodes) {
    ops[node.op] = (ops[node.op] ?? 0) + 1;
    let nodeParams = 0;
    parameterTensors(graph, node).forEach((t) => {
      const n = elementCount(t.shape);
      nodeParams += n;
      if (counted.has(t.name)) return;
      counted.add(t.name);
      params += n;
      const isBias = isWeighted(node) && node.inputs[2] === t.name;
      weightBytes.float32 += 4 * n;
      weightBytes.float16 += 2 * n;
      weightBytes.int8 += (isBias ? 4 : 1) * n;
      weightBytes.int16x8 += (isBias ? 8 : 1) * n;
    });
    const m = macsOf(graph, node);
    macs += m;
    const out = graph.tensors.get(node.outputs[0] as string) as Tensor;
    layers.push({
      name: node.name,
      op: node.op,
      macs: m,
      params: nodeParams,
      outputShape: [...out.shape],
      outputBytes: elementCount(out.shape) * DTYPE_BYTES[out.dtype],
    });
  }
  const activationNames = [...graph.inputs, ...graph.nodes.flatMap((n) => n.outputs)];
  const activations = activationNames.map((name) => {
    const t = graph.tensors.get(name) as Tensor;
    return { name, shape: [...t.shape], dtype: t.dtype, bytes: elementCount(t.shape) * DTYPE_BYTES[t.dtype] };
  });
  const { peak, at } = peakActivationMemory(graph);
  return {
    name: graph.name,
    ops,
    nodes: graph.nodes.length,
    params,
    macs,
    layers,
    activations,
    peakActivationBytes: peak,
    peakAt: at,
    weightBytes,
  };
}

/**
 * Peak of the bytes of activations alive at once when nodes run in graph order, without buffer sharing
 * (every tensor has its own buffer from the node that writes it to the last node that reads it; graph
 * inputs from the start, graph outputs to the end). While a node runs, its inputs and outputs are alive.
 * Kept as a running total with each tensor released once, after its last reader: linear in the graph's size,
 * so that a model of many parallel branches is measured as fast as a chain.
 */
function peakActivationMemory(graph: Graph): { peak: number; at: string } {
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    for (const input of node.inputs) if (input) lastUse.set(input, i);
  });
  const kept = new Set(graph.outputs);
  const bytes = (name: string) => {
    const t = graph.tensors.get(name) as Tensor;
    return t.data ? 0 : elementCount(t.shape) * DTYPE_BYTES[t.dtype];
  };
  /** The tensors to release after each node: those it is the last to read (or the first node, for unread inputs). */
  const releaseAfter = new Map<number, string[]>();
  const release = (name: string, after: number) => {
    if (kept.has(name)) return;
    const at = Math.max(lastUse.get(name) ?? -1, after);
    const list = releaseAfter.get(at);
    if (list) list.push(name);
    else releaseAfter.set(at, [name]);
  };
  const inputs = new Set(graph.inputs);
  let now = 0;
  for (const name of inputs) {
    now += bytes(name);
    release(name, 0);
  }
  let peak = now;
  let at = "(inputs)";
  graph.nodes.forEach((node, i) => {
    for (const o of node.outputs) {
      now += bytes(o);
      release(o, i);
    }
    if (now > peak) {
      peak = now;
      at = node.name;
    }
    for (const name of releaseAfter.get(i) ?? []) now -= bytes(name);
  });
  return { peak, at };
}
