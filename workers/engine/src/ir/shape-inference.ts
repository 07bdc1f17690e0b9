import { EngineError } from "../errors.js";
import { type Graph, tensorOf } from "./graph.js";
import { checkShapeLimits, checkWindowLimits } from "./limits.js";
import type { Node, NodeOf, OpType, Padding } from "./ops.js";
import { elementCount } from "./tensor.js";

/**
 * Output shapes of each op from its input shapes and attributes: one table, op → rule. `inferShapes` walks
 * the graph in order and writes every output tensor's shape, refusing a graph whose shapes do not agree.
 */
type ShapeRule<T extends OpType> = (node: NodeOf<T>, inputs: number[][], graph: Graph) => number[][];

const fail = (node: Node, why: string): never => {
  throw new EngineError("INVALID_GRAPH", `${node.op} "${node.name}": ${why}`);
};

/** Output length of a windowed op along one spatial dimension (TensorFlow's rules for SAME and VALID). */
function windowOutput(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  pad: Padding,
  dim: 0 | 1,
): number {
  const effective = (kernel - 1) * dilation + 1;
  if (pad === "same") return Math.ceil(size / stride);
  if (pad === "valid") return Math.floor((size - effective) / stride) + 1;
  const before = pad[dim];
  const after = pad[dim + 2] as number;
  return Math.floor((size + before + after - effective) / stride) + 1;
}

/** Explicit [top, left, bottom, right] padding that SAME produces (extra padding goes after, as TF does). */
export function samePadding(
  inH: number,
  inW: number,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): [number, number, number, number] {
  const total = (size: number, k: number, s: number, d: number) => {
    const out = Math.ceil(size / s);
    return Math.max((out - 1) * s + (k - 1) * d + 1 - size, 0);
  };
  const th = total(inH, kernel[0], strides[0], dilations[0]);
  const tw = total(inW, kernel[1], strides[1], dilations[1]);
  return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
}

const spatial = (node: Node, x: number[], nchw: boolean): [number, number, number, number] => {
  if (x.length !== 4) fail(node, `expects a 4-D input, got [${x.join(", ")}]`);
  const [n, a, b, c] = x as [number, number, number, number];
  return nchw ? [n, b, c, a] : [n, a, b, c]; // [N, H, W, C]
};
const fromNhwc = (shape: [number, number, number, number], nchw: boolean) =>
  nchw ? [shape[0], shape[3], shape[1], shape[2]] : shape;

function broadcast(node: Node, a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) fail(node, `cannot broadcast [${a.join(", ")}] with [${b.join(", ")}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

const axisOf = (node: Node, axis: number, rank: number): number => {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail(node, `axis ${axis} out of range for rank ${rank}`);
  return a;
};

const unary: ShapeRule<OpType> = (_n, [x]) => [x as number[]];

/** A weighted layer's bias (its third input, when present) holds one value per output channel. */
function checkBias(node: Node, bias: number[] | undefined, channels: number): void {
  if (bias && elementCount(bias) !== channels) {
    fail(node, `bias of shape [${bias.join(", ")}] for ${channels} output channels`);
  }
}

const SHAPE_RULES: { [T in OpType]: ShapeRule<T> } = {
  Conv2D: (node, [x, w, bias]) => {
    const nchw = node.attrs.layout === "NCHW";
    const [n, h, wd, c] = spatial(node, x as number[], nchw);
    if (!w || w.length !== 4) return fail(node, "weights must be 4-D");
    const [o, kh, kw, i] = nchw ? [w[0], w[2], w[3], w[1]] : w;
    if (i !== c) fail(node, `weights take ${i} input channels, the input has ${c}`);
    checkBias(node, bias, o as number);
    const { strides: s, dilations: d, padding: p } = node.attrs;
    const out: [number, number, number, number] = [
      n,
      windowOutput(h, kh as number, s[0], d[0], p, 0),
      windowOutput(wd, kw as number, s[1], d[1], p, 1),
      o as number,
    ];
    return [fromNhwc(out, nchw)];
  },
  DepthwiseConv2D: (node, [x, w, bias]) => {
    const nchw = node.attrs.layout === "NCHW";
    const [n, h, wd, c] = spatial(node, x as number[], nchw);
    if (!w || w.length !== 4) return fail(node, "weights must be 4-D");
    const [kh, kw, oc] = nchw ? [w[2], w[3], w[0]] : [w[1], w[2], w[3]];
    if (oc !== c * node.attrs.depthMultiplier) {
      fail(node, `weights give ${oc} channels, expected ${c} × ${node.attrs.depthMultiplier}`);
    }
    checkBias(node, bias, oc as number);
    const { strides: s, dilations: d, padding: p } = node.attrs;
    const out: [number, number, number, number] = [
      n,
      windowOutput(h, kh as number, s[0], d[0], p, 0),
      windowOutput(wd, kw as number, s[1], d[1], p, 1),
      oc as number,
    ];
    return [fromNhwc(out, nchw)];
  },
  FullyConnected: (node, [x, w, bias]) => {
    if (!w || w.length !== 2) return fail(node, "weights must be [out, in]");
    const [units, depth] = w as [number, number];
    checkBias(node, bias, units);
    const total = elementCount(x as number[]);
    if (total % depth !== 0) fail(node, `input of ${total} elements is not a whole number of rows of ${depth}`);
    if (node.attrs.keepNumDims) {
      // the input's dimensions are kept: its last one is the row (TFLite's keep_num_dims requires it)
      if ((x as number[]).at(-1) !== depth)
        fail(node, `keeps the input's dimensions, but its last one is not ${depth}`);
      return [[...(x as number[]).slice(0, -1), units]];
    }
    return [[total / depth, units]];
  },
  MatMul: (node, [a, b]) => {
    const A = [...(a as number[])];
    const B = [...(b as number[])];
    if (A.length < 2 || B.length < 2) fail(node, "operands must be at least 2-D");
    if (node.attrs.transposeA) A.splice(-2, 2, A.at(-1) as number, A.at(-2) as number);
    if (node.attrs.transposeB) B.splice(-2, 2, B.at(-1) as number, B.at(-2) as number);
    if (A.at(-1) !== B.at(-2)) fail(node, `inner dimensions differ: ${A.at(-1)} vs ${B.at(-2)}`);
    const batch = broadcast(node, A.slice(0, -2), B.slice(0, -2));
    return [[...batch, A.at(-2) as number, B.at(-1) as number]];
  },
  AveragePool2D: (node, [x]) => poolShape(node, x as number[]),
  MaxPool2D: (node, [x]) => poolShape(node, x as number[]),
  Mean: (node, [x]) => {
    const rank = (x as number[]).length;
    const axes = new Set(node.attrs.axes.map((a) => axisOf(node, a, rank)));
    const out: number[] = [];
    (x as number[]).forEach((d, i) => {
      if (!axes.has(i)) out.push(d);
      else if (node.attrs.keepDims) out.push(1);
    });
    return [out];
  },
  Reshape: (node, [x]) => {
    const total = elementCount(x as number[]);
    const shape = [...node.attrs.shape];
    const unknown = shape.filter((d) => d === -1).length;
    if (unknown > 1) fail(node, "at most one dimension may be -1");
    const known = shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    if (unknown === 1) {
      if (known === 0 || total % known !== 0) fail(node, `cannot reshape ${total} elements to [${shape.join(", ")}]`);
      shape[shape.indexOf(-1)] = total / known;
    } else if (known !== total) {
      fail(node, `cannot reshape ${total} elements to [${shape.join(", ")}]`);
    }
    return [shape];
  },
  Transpose: (node, [x]) => {
    const perm = node.attrs.perm;
    if (perm.length !== (x as number[]).length || new Set(perm).size !== perm.length) fail(node, "bad permutation");
    return [perm.map((p) => (x as number[])[p] as number)];
  },
  Softmax: unary,
  Add: (node, [a, b]) => [broadcast(node, a as number[], b as number[])],
  Sub: (node, [a, b]) => [broadcast(node, a as number[], b as number[])],
  Mul: (node, [a, b]) => [broadcast(node, a as number[], b as number[])],
  Concat: (node, inputs) => {
    const first = inputs[0] as number[];
    const axis = axisOf(node, node.attrs.axis, first.length);
    const out = [...first];
    out[axis] = 0;
    for (const s of inputs) {
      if (s.length !== first.length || s.some((d, i) => i !== axis && d !== first[i])) {
        fail(node, `inputs [${inputs.map((i) => `[${i.join(", ")}]`).join(", ")}] differ outside axis ${axis}`);
      }
      out[axis] = (out[axis] as number) + (s[axis] as number);
    }
    return [out];
  },
  Pad: (node, [x]) => {
    if (node.attrs.pads.length !== (x as number[]).length) fail(node, "needs one [before, after] pair per dimension");
    return [(x as number[]).map((d, i) => d + (node.attrs.pads[i]?.[0] ?? 0) + (node.attrs.pads[i]?.[1] ?? 0))];
  },
  Relu: unary,
  Relu6: unary,
  ReluN1To1: unary,
  Clip: unary,
  Logistic: unary,
  Tanh: unary,
  BatchNorm: unary,
  Quantize: unary,
  Dequantize: unary,
  Identity: unary,
};

function poolShape(node: NodeOf<"AveragePool2D" | "MaxPool2D">, x: number[]): number[][] {
  const nchw = node.attrs.layout === "NCHW";
  const [n, h, w, c] = spatial(node, x, nchw);
  const { filter: f, strides: s, padding: p } = node.attrs;
  return [fromNhwc([n, windowOutput(h, f[0], s[0], 1, p, 0), windowOutput(w, f[1], s[1], 1, p, 1), c], nchw)];
}

/**
 * Output shapes of one node, from the current shapes of its inputs. Kernel, stride, dilation and padding
 * attributes, and every output shape, must be within the engine's bounds (MODEL_LIMITS): an absurd attribute is
 * refused here, where each importer first computes what it implies.
 */
export function inferNodeShapes(graph: Graph, node: Node): number[][] {
  checkWindowLimits(node);
  const inputs = node.inputs.filter((i) => i !== "").map((i) => tensorOf(graph, i).shape);
  const rule = SHAPE_RULES[node.op] as ShapeRule<OpType>;
  const shapes = rule(node, inputs, graph);
  for (const s of shapes) {
    if (s.some((d) => !Number.isInteger(d) || d <= 0)) fail(node, `produces an invalid shape [${s.join(", ")}]`);
    checkShapeLimits(s, `the output of ${node.op} "${node.name}" ([${s.join(", ")}])`);
  }
  return shapes;
}

/** Writes the shape of every node output, in order. Graph inputs and constants must already have shapes. */
export function inferShapes(graph: Graph): void {
  for (const node of graph.nodes) {
    const shapes = inferNodeShapes(graph, node);
    node.outputs.forEach((name, i) => {
      const t = tensorOf(graph, name);
      t.shape = shapes[i] ?? t.shape;
    });
  }
}
