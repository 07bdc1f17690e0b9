import { floatToHalf, type TensorData } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { QuantParams, Tensor } from "../ir/tensor.js";
import { readTflite } from "../tflite/reader.js";
import { builtinName } from "../tflite/schema.js";
import { seededRandom } from "./random.js";

/**
 * Test support (not part of the package build): small hand-written networks in each scheme TFLite export
 * writes (int8, int16x8, fp16 weights), with seeded weights, for the TFLite export tests.
 */

/** Builds small hand-written graphs: tensors and nodes in order. */
class GraphSketch {
  readonly graph: Graph;
  private readonly rand = seededRandom(7);
  constructor(name: string) {
    this.graph = { name, tensors: new Map(), nodes: [], inputs: [], outputs: [] };
  }
  tensor(name: string, dtype: Tensor["dtype"], shape: number[], quant?: QuantParams, data?: TensorData): string {
    this.graph.tensors.set(name, { name, dtype, shape, ...(quant ? { quant } : {}), ...(data ? { data } : {}) });
    return name;
  }
  ints(n: number, lo: number, hi: number): number[] {
    return Array.from({ length: n }, () => lo + Math.floor(this.rand() * (hi - lo + 1)));
  }
  scales(n: number, base: number): number[] {
    return Array.from({ length: n }, () => Math.fround(base * (0.5 + this.rand())));
  }
  node(node: Node): void {
    this.graph.nodes.push(node);
  }
}

export const perTensor = (scale: number, zeroPoint: number): QuantParams => ({
  scale: [Math.fround(scale)],
  zeroPoint: [zeroPoint],
});

/**
 * An int8 network in the TFLite int8 scheme: conv 3×3 (SAME, relu) → depthwise 3×3 stride 2 (SAME, relu6) →
 * reshape → fully connected → softmax, per-channel weights, int32 biases at input × weight scale.
 */
export function int8Network(): Graph {
  const s = new GraphSketch("tiny_int8");
  const xq = perTensor(1 / 255, -128);
  s.graph.inputs = [s.tensor("x", "int8", [1, 8, 8, 3], xq)];
  const convScales = s.scales(4, 0.01);
  s.tensor(
    "conv/w",
    "int8",
    [4, 3, 3, 3],
    { scale: convScales, zeroPoint: [0, 0, 0, 0], axis: 0 },
    Int8Array.from(s.ints(108, -127, 127)),
  );
  s.tensor(
    "conv/b",
    "int32",
    [4],
    { scale: convScales.map((w) => Math.fround(w / 255)), zeroPoint: [0, 0, 0, 0], axis: 0 },
    Int32Array.from(s.ints(4, -500, 500)),
  );
  s.tensor("conv", "int8", [1, 8, 8, 4], perTensor(0.05, -128));
  s.node({
    name: "conv",
    op: "Conv2D",
    inputs: ["x", "conv/w", "conv/b"],
    outputs: ["conv"],
    attrs: { strides: [1, 1], dilations: [1, 1], padding: "same", activation: "relu", layout: "NHWC" },
  });
  const dwScales = s.scales(4, 0.02);
  s.tensor(
    "dw/w",
    "int8",
    [1, 3, 3, 4],
    { scale: dwScales, zeroPoint: [0, 0, 0, 0], axis: 3 },
    Int8Array.from(s.ints(36, -127, 127)),
  );
  s.tensor(
    "dw/b",
    "int32",
    [4],
    { scale: dwScales.map((w) => Math.fround(w * Math.fround(0.05))), zeroPoint: [0, 0, 0, 0], axis: 0 },
    Int32Array.from(s.ints(4, -200, 200)),
  );
  s.tensor("dw", "int8", [1, 4, 4, 4], perTensor(0.04, -128));
  s.node({
    name: "dw",
    op: "DepthwiseConv2D",
    inputs: ["conv", "dw/w", "dw/b"],
    outputs: ["dw"],
    attrs: {
      strides: [2, 2],
      dilations: [1, 1],
      padding: "same",
      activation: "relu6",
      layout: "NHWC",
      depthMultiplier: 1,
    },
  });
  s.tensor("flat", "int8", [1, 64], perTensor(0.04, -128));
  s.node({ name: "flat", op: "Reshape", inputs: ["dw"], outputs: ["flat"], attrs: { shape: [1, 64] } });
  s.tensor("fc/w", "int8", [10, 64], perTensor(0.01, 0), Int8Array.from(s.ints(640, -127, 127)));
  s.tensor("fc/b", "int32", [10], perTensor(0.01 * 0.04, 0), Int32Array.from(s.ints(10, -1000, 1000)));
  s.tensor("logits", "int8", [1, 10], perTensor(0.1, 0));
  s.node({
    name: "fc",
    op: "FullyConnected",
    inputs: ["flat", "fc/w", "fc/b"],
    outputs: ["logits"],
    attrs: { activation: "none", keepNumDims: false },
  });
  s.tensor("probs", "int8", [1, 10], perTensor(1 / 256, -128));
  s.node({ name: "softmax", op: "Softmax", inputs: ["logits"], outputs: ["probs"], attrs: { beta: 1 } });
  s.graph.outputs = ["probs"];
  return s.graph;
}

/** The same shape of network in TFLite's 16x8 mode: int16 activations (zero point 0), int8 weights, int64 biases. */
export function int16x8Network(): Graph {
  const s = new GraphSketch("tiny_int16x8");
  s.graph.inputs = [s.tensor("x", "int16", [1, 8, 8, 3], perTensor(1 / 32767, 0))];
  const convScales = s.scales(4, 0.01);
  s.tensor(
    "conv/w",
    "int8",
    [4, 3, 3, 3],
    { scale: convScales, zeroPoint: [0, 0, 0, 0], axis: 0 },
    Int8Array.from(s.ints(108, -127, 127)),
  );
  s.tensor(
    "conv/b",
    "int64",
    [4],
    { scale: convScales.map((w) => Math.fround(w / 32767)), zeroPoint: [0, 0, 0, 0], axis: 0 },
    BigInt64Array.from(s.ints(4, -5000, 5000).map(BigInt)),
  );
  s.tensor("conv", "int16", [1, 6, 6, 4], perTensor(2 / 32767, 0));
  s.node({
    name: "conv",
    op: "Conv2D",
    inputs: ["x", "conv/w", "conv/b"],
    outputs: ["conv"],
    attrs: { strides: [1, 1], dilations: [1, 1], padding: "valid", activation: "relu", layout: "NHWC" },
  });
  s.tensor("flat", "int16", [1, 144], perTensor(2 / 32767, 0));
  s.node({ name: "flat", op: "Reshape", inputs: ["conv"], outputs: ["flat"], attrs: { shape: [1, 144] } });
  s.tensor(
    "fc/w",
    "int8",
    [5, 144],
    { scale: s.scales(5, 0.01), zeroPoint: [0, 0, 0, 0, 0], axis: 0 },
    Int8Array.from(s.ints(720, -127, 127)),
  );
  s.tensor("logits", "int16", [1, 5], perTensor(8 / 32767, 0));
  s.node({
    name: "fc",
    op: "FullyConnected",
    inputs: ["flat", "fc/w"],
    outputs: ["logits"],
    attrs: { activation: "none", keepNumDims: false },
  });
  s.tensor("probs", "int16", [1, 5], perTensor(1 / 32768, 0));
  s.node({ name: "softmax", op: "Softmax", inputs: ["logits"], outputs: ["probs"], attrs: { beta: 1 } });
  s.graph.outputs = ["probs"];
  return s.graph;
}

/** fp16 weights: float16 constants dequantized to float32 for a float fully connected layer. */
export function fp16Network(): Graph {
  const s = new GraphSketch("tiny_fp16");
  s.graph.inputs = [s.tensor("x", "float32", [1, 8, 8, 3])];
  s.tensor("flat", "float32", [1, 192]);
  s.node({ name: "flat", op: "Reshape", inputs: ["x"], outputs: ["flat"], attrs: { shape: [1, 192] } });
  const halves = (n: number) => Uint16Array.from(s.ints(n, -100, 100), (v) => floatToHalf(v / 100));
  s.tensor("fc/w16", "float16", [6, 192], undefined, halves(6 * 192));
  s.tensor("fc/w", "float32", [6, 192]);
  s.node({ name: "dequantize", op: "Dequantize", inputs: ["fc/w16"], outputs: ["fc/w"], attrs: {} });
  s.tensor("y", "float32", [1, 6]);
  s.node({
    name: "fc",
    op: "FullyConnected",
    inputs: ["flat", "fc/w"],
    outputs: ["y"],
    attrs: { activation: "relu", keepNumDims: false },
  });
  s.graph.outputs = ["y"];
  return s.graph;
}

/** The operator versions of a .tflite, keyed by builtin name: what the export tests compare. */
export const operatorVersionsOf = (bytes: Uint8Array): Record<string, number> =>
  Object.fromEntries(readTflite(bytes).operatorCodes.map((c) => [builtinName(c.builtinCode), c.version]));
