import type { Graph } from "../ir/graph.js";
import type { Activation, Node, OpAttrs, OpType } from "../ir/ops.js";
import { inferNodeShapes } from "../ir/shape-inference.js";
import type { Rng } from "./rng.js";

/**
 * Random float models that the engine should take end to end: an NHWC input, then two to seven layers drawn
 * from the ops every stage handles (convolutions, pooling, fully connected, elementwise with constants, pad,
 * concat, reshape, softmax), with random sizes, strides, dilations, paddings and activations, every shape
 * computed by the IR's own shape rules. They feed the whole path (import → analysis → quantization → generated
 * C) with shapes no fixture has (1×1 maps, odd channels, a stride larger than the kernel…), and the structural
 * mutators with more graphs to damage.
 */
class Builder {
  readonly graph: Graph;
  private count = 0;

  constructor(
    readonly rng: Rng,
    name: string,
  ) {
    this.graph = { name, tensors: new Map(), nodes: [], inputs: [], outputs: [] };
  }

  private fresh(base: string): string {
    return `${base}_${this.count++}`;
  }

  input(shape: number[]): string {
    const name = this.fresh("x");
    this.graph.tensors.set(name, { name, dtype: "float32", shape });
    this.graph.inputs.push(name);
    return name;
  }

  constant(shape: number[], scale = 0.5): string {
    const name = this.fresh("w");
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, () => Math.fround((this.rng.next() * 2 - 1) * scale));
    this.graph.tensors.set(name, { name, dtype: "float32", shape, data });
    return name;
  }

  shape(name: string): number[] {
    return this.graph.tensors.get(name)?.shape ?? [];
  }

  /** Appends a node (its output shaped by the IR's rules); undefined when the rules refuse it. */
  node<T extends OpType>(op: T, inputs: string[], attrs: OpAttrs[T]): string | undefined {
    const out = this.fresh(op.toLowerCase());
    const node = { name: this.fresh(op), op, inputs, outputs: [out], attrs } as Node;
    this.graph.tensors.set(out, { name: out, dtype: "float32", shape: [] });
    try {
      const [shape] = inferNodeShapes(this.graph, node);
      (this.graph.tensors.get(out) as { shape: number[] }).shape = shape as number[];
    } catch {
      this.graph.tensors.delete(out);
      return undefined;
    }
    this.graph.nodes.push(node);
    return out;
  }
}

const ACTIVATIONS: readonly Activation[] = ["none", "none", "relu", "relu6"];

type Layer = (b: Builder, x: string) => string | undefined;

const spatialLayers: readonly (readonly [number, Layer])[] = [
  [
    4,
    (b, x) => {
      const { rng } = b;
      const c = b.shape(x)[3] as number;
      const k = [rng.range(1, 5), rng.range(1, 5)];
      const w = b.constant([rng.range(1, 12), k[0] as number, k[1] as number, c]);
      const bias = rng.chance(0.8) ? [b.constant([b.shape(w)[0] as number], 0.1)] : [];
      return b.node("Conv2D", [x, w, ...bias], {
        strides: [rng.range(1, 3), rng.range(1, 3)],
        dilations: rng.chance(0.8) ? [1, 1] : [rng.range(1, 3), rng.range(1, 3)],
        padding: rng.chance(0.8)
          ? rng.pick(["same", "valid"] as const)
          : [rng.range(0, 2), rng.range(0, 2), rng.range(0, 2), rng.range(0, 2)],
        activation: rng.pick(ACTIVATIONS),
        layout: "NHWC",
      });
    },
  ],
  [
    2,
    (b, x) => {
      const { rng } = b;
      const c = b.shape(x)[3] as number;
      const m = rng.range(1, 2);
      const w = b.constant([1, rng.range(1, 4), rng.range(1, 4), c * m]);
      return b.node("DepthwiseConv2D", [x, w, b.constant([c * m], 0.1)], {
        strides: [rng.range(1, 2), rng.range(1, 2)],
        dilations: [1, 1],
        padding: rng.pick(["same", "valid"] as const),
        activation: rng.pick(ACTIVATIONS),
        layout: "NHWC",
        depthMultiplier: m,
      });
    },
  ],
  [
    2,
    (b, x) => {
      const { rng } = b;
      return b.node(rng.pick(["AveragePool2D", "MaxPool2D"] as const), [x], {
        filter: [rng.range(1, 3), rng.range(1, 3)],
        strides: [rng.range(1, 2), rng.range(1, 2)],
        padding: rng.pick(["same", "valid"] as const),
        activation: "none",
        layout: "NHWC",
      });
    },
  ],
  [1, (b, x) => b.node("Mean", [x], { axes: [1, 2], keepDims: b.rng.chance(0.5) })],
  [
    1,
    (b, x) => {
      const p = () => [b.rng.range(0, 2), b.rng.range(0, 2)] as [number, number];
      return b.node("Pad", [x], { pads: [[0, 0], p(), p(), [0, 0]], value: 0 });
    },
  ],
  [1, (b, x) => b.node("Concat", [x, x], { axis: 3, activation: "none" })],
];

const anyRankLayers: readonly (readonly [number, Layer])[] = [
  [
    2,
    (b, x) => {
      const shape = b.shape(x);
      const operand = b.rng.chance(0.5) ? [shape.at(-1) as number] : [...shape];
      return b.node(b.rng.pick(["Add", "Mul"] as const), [x, b.constant(operand)], { activation: "none" });
    },
  ],
  [1, (b, x) => b.node(b.rng.pick(["Logistic", "Tanh"] as const), [x], {})],
  [
    2,
    (b, x) => {
      const n = b.shape(x).reduce((a, c) => a * c, 1);
      const units = b.rng.range(1, 16);
      return b.node(
        "FullyConnected",
        [b.node("Reshape", [x], { shape: [1, n] }) ?? x, b.constant([units, n]), b.constant([units], 0.1)],
        {
          activation: b.rng.pick(ACTIVATIONS),
          keepNumDims: false,
        },
      );
    },
  ],
];

/** A random float model, `layers` long at most (a layer the shape rules refuse is skipped). */
export function synthesizeGraph(rng: Rng, name = "synthesized"): Graph {
  const b = new Builder(rng, name);
  let x = rng.chance(0.75)
    ? b.input([1, rng.range(1, 24), rng.range(1, 24), rng.range(1, 6)])
    : b.input([1, rng.range(1, 64)]);
  for (let k = rng.range(2, 7); k > 0; k--) {
    const spatial = b.shape(x).length === 4;
    const layer = spatial && rng.chance(0.7) ? rng.weighted(spatialLayers) : rng.weighted(anyRankLayers);
    x = layer(b, x) ?? x;
  }
  if (b.shape(x).length === 2 && rng.chance(0.5)) x = b.node("Softmax", [x], { beta: 1 }) ?? x;
  if (b.graph.nodes.length === 0) x = b.node("Logistic", [x], {}) as string;
  b.graph.outputs = [x];
  return b.graph;
}
