import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { cloneGraph, type Graph, tensorOf } from "../ir/graph.js";
import { inferShapes } from "../ir/shape-inference.js";
import { encodeModel } from "./encode.js";
import { exportOnnx } from "./export.js";
import { importOnnx } from "./import.js";
import {
  ATTR,
  attribute,
  emptyTensor,
  ONNX_DTYPE,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxNode,
  type OnnxTensor,
} from "./schema.js";

// ------------------------------------------------------------------ small ONNX models written with the generated writer

const ints = (name: string, v: number[]): OnnxAttribute => attribute(name, ATTR.INTS, { ints: v });
const int = (name: string, i: number): OnnxAttribute => attribute(name, ATTR.INT, { i });
const float = (name: string, f: number): OnnxAttribute => attribute(name, ATTR.FLOAT, { f });
const str = (name: string, s: string): OnnxAttribute =>
  attribute(name, ATTR.STRING, { s: new TextEncoder().encode(s) });

const node = (
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: OnnxAttribute[] = [],
  domain = "",
): OnnxNode => ({
  name: `${opType}_${outputs[0]}`,
  opType,
  domain,
  inputs,
  outputs,
  attributes,
});

let seed = 12345;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed / 2 ** 32) * 2 - 1;
};

const floats = (name: string, dims: number[], values?: number[]): OnnxTensor => {
  const t = emptyTensor(name, ONNX_DTYPE.FLOAT, dims);
  const n = dims.reduce((a, b) => a * b, 1);
  t.floatData = values ?? Array.from({ length: n }, random);
  return t;
};
const int64s = (name: string, values: number[], dims = [values.length]): OnnxTensor => {
  const t = emptyTensor(name, ONNX_DTYPE.INT64, dims);
  t.int64Data = values.map(BigInt);
  return t;
};

interface ModelSpec {
  opset?: number;
  inputs: [string, (number | string)[]][];
  outputs: string[];
  nodes: OnnxNode[];
  initializers?: OnnxTensor[];
  extraOpsets?: { domain: string; version: number }[];
}

function model(spec: ModelSpec): Uint8Array {
  const dims = (shape: (number | string)[]): OnnxDim[] =>
    shape.map((d) => (typeof d === "number" ? { value: d } : { param: d }));
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: "", version: spec.opset ?? 17 }, ...(spec.extraOpsets ?? [])],
    producerName: "test",
    producerVersion: "",
    functionCount: 0,
    graph: {
      name: "test",
      nodes: spec.nodes,
      initializers: spec.initializers ?? [],
      sparseInitializerCount: 0,
      inputs: spec.inputs.map(([name, shape]) => ({
        name,
        elemType: ONNX_DTYPE.FLOAT,
        shape: dims(shape),
        isTensor: true,
      })),
      outputs: spec.outputs.map((name) => ({ name, elemType: ONNX_DTYPE.FLOAT, shape: undefined, isTensor: true })),
      valueInfo: [],
    },
  });
}

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof EngineError) return e.code;
    throw e;
  }
  return "ok";
};

function expectShapesInferred(g: Graph): void {
  const inferred = cloneGraph(g);
  for (const n of inferred.nodes) for (const o of n.outputs) tensorOf(inferred, o).shape = [];
  inferShapes(inferred);
  for (const n of g.nodes)
    for (const o of n.outputs) expect(tensorOf(inferred, o).shape, o).toEqual(tensorOf(g, o).shape);
}

/** Runs a model in ONNX Runtime on one random input per model input (static shapes). */
async function runOrt(bytes: Uint8Array, shapes: number[][]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    session.inputNames.forEach((name, i) => {
      const shape = shapes[i] as number[];
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.sin(k * 0.7 + i) * 2);
      feeds[name] = new ort.Tensor("float32", data, shape);
    });
    const out = await session.run(feeds);
    return session.outputNames.map((n) => out[n]?.data as Float32Array);
  } finally {
    await session.release();
  }
}

/** Imports, checks the graph, exports, and compares ONNX Runtime on the exported model with the original. */
async function expectSameUnderOrt(bytes: Uint8Array, shapes: number[][], opset?: number): Promise<Graph> {
  const g = importOnnx(bytes, "case");
  expectShapesInferred(g);
  const [expected, actual] = [await runOrt(bytes, shapes), await runOrt(exportOnnx(g, { opset }), shapes)];
  expect(actual.length).toBe(expected.length);
  for (const [i, e] of expected.entries()) {
    const a = actual[i] as Float32Array;
    expect(a.length).toBe(e.length);
    let worst = 0;
    for (let k = 0; k < e.length; k++) worst = Math.max(worst, Math.abs((a[k] as number) - (e[k] as number)));
    expect(worst).toBeLessThan(1e-5);
  }
  return g;
}

const ops = (g: Graph) => g.nodes.map((n) => n.op);

// ------------------------------------------------------------------ tests

describe("importOnnx refuses what it cannot take, all at once and clearly", () => {
  it("names every unsupported op, standard and custom-domain, in one UNSUPPORTED_OPS error", () => {
    const bytes = model({
      inputs: [["x", [1, 5, 4]]],
      outputs: ["z"],
      extraOpsets: [{ domain: "com.example", version: 1 }],
      initializers: [floats("W", [1, 32, 4]), floats("R", [1, 32, 8])],
      nodes: [
        node("Relu", ["x"], ["r"]),
        node("LSTM", ["r", "W", "R"], ["y"], [int("hidden_size", 8)]),
        node("FancyNorm", ["y"], ["f"], [], "com.example"),
        node("LSTM", ["f", "W", "R"], ["z"], [int("hidden_size", 8)]),
      ],
    });
    let error: unknown;
    try {
      importOnnx(bytes, "lstm");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    const e = error as EngineError;
    expect(e.code).toBe("UNSUPPORTED_OPS");
    expect(e.details.ops).toEqual(["LSTM", "FancyNorm (domain com.example)"]);
    expect(e.message).toContain("LSTM");
    expect(e.message).toContain("FancyNorm (domain com.example)");
  });

  it("refuses a symbolic non-batch dimension naming the input, and fixes a dynamic batch to 1", () => {
    const relu = (shape: (number | string)[]) =>
      model({ inputs: [["audio", shape]], outputs: ["y"], nodes: [node("Relu", ["audio"], ["y"])] });
    let error: EngineError | undefined;
    try {
      importOnnx(relu(["N", "time", 10]), "dyn");
    } catch (e) {
      error = e as EngineError;
    }
    expect(error?.code).toBe("UNSUPPORTED_MODEL");
    expect(error?.message).toContain('"audio"');
    expect(error?.message).toContain('"time"');
    const g = importOnnx(relu(["N", 49, 10]), "batch");
    expect(tensorOf(g, "audio").shape).toEqual([1, 49, 10]);
  });

  it("refuses tensors stored in external files with a message that says how to save the model", () => {
    const w = emptyTensor("w", ONNX_DTYPE.FLOAT, [4]);
    w.dataLocation = 1;
    w.externalData = [{ key: "location", value: "weights.bin" }];
    const bytes = model({
      inputs: [["x", [1, 4]]],
      outputs: ["y"],
      initializers: [w],
      nodes: [node("Add", ["x", "w"], ["y"])],
    });
    let error: EngineError | undefined;
    try {
      importOnnx(bytes, "external");
    } catch (e) {
      error = e as EngineError;
    }
    expect(error?.code).toBe("UNSUPPORTED_MODEL");
    expect(error?.message).toContain("save_as_external_data=False");
  });

  it("refuses op variants it cannot represent, naming the variant", () => {
    const grouped = model({
      inputs: [["x", [1, 4, 6, 6]]],
      outputs: ["y"],
      initializers: [floats("w", [4, 2, 3, 3])],
      nodes: [node("Conv", ["x", "w"], ["y"], [int("group", 2)])],
    });
    expect(() => importOnnx(grouped, "g")).toThrow(/Conv with group=2/);
    const ceil = model({
      inputs: [["x", [1, 2, 7, 7]]],
      outputs: ["y"],
      nodes: [
        node("AveragePool", ["x"], ["y"], [ints("kernel_shape", [2, 2]), ints("strides", [2, 2]), int("ceil_mode", 1)]),
      ],
    });
    expect(codeOf(() => importOnnx(ceil, "c"))).toBe("UNSUPPORTED_OPS");
    expect(codeOf(() => importOnnx(new Uint8Array(), "empty"))).toBe("EMPTY_MODEL_FILE");
  });
});

describe("importOnnx folds shape arithmetic and maps ops to the IR (checked against ONNX Runtime)", () => {
  it("folds a tf2onnx-style Shape → Gather → Unsqueeze → Concat → Split → Cast → Reshape chain into one static Reshape", async () => {
    const bytes = model({
      inputs: [["x", ["batch", 4, 6]]],
      outputs: ["y"],
      initializers: [int64s("zero", [0], []), int64s("minus_one", [-1])],
      nodes: [
        node("Shape", ["x"], ["shape"]),
        node("Gather", ["shape", "zero"], ["n"], [int("axis", 0)]),
        node("Unsqueeze", ["n"], ["n1"], [ints("axes", [0])]),
        node("Concat", ["n1", "minus_one"], ["target"], [int("axis", 0)]),
        node("Split", ["target"], ["t0", "t1"], [int("axis", 0)]),
        node("Concat", ["t0", "t1"], ["target2"], [int("axis", 0)]),
        node("Cast", ["target2"], ["target64"], [int("to", ONNX_DTYPE.INT64)]),
        node("Reshape", ["x", "target64"], ["flat"]),
        node("Relu", ["flat"], ["y"]),
      ],
      opset: 11,
    });
    const g = await expectSameUnderOrt(bytes, [[1, 4, 6]]);
    expect(ops(g)).toEqual(["Reshape", "Relu"]);
    expect(g.nodes[0]?.attrs).toEqual({ shape: [1, 24] });
  });

  it("Gemm with transA, transB, alpha and beta folds into FullyConnected weights and bias", async () => {
    const bytes = model({
      inputs: [["x", [6, 2]]],
      outputs: ["y"],
      initializers: [floats("B", [5, 6]), floats("C", [5])],
      nodes: [
        node(
          "Gemm",
          ["x", "B", "C"],
          ["y"],
          [int("transA", 1), int("transB", 1), float("alpha", 0.5), float("beta", 2)],
        ),
      ],
    });
    const g = await expectSameUnderOrt(bytes, [[6, 2]]);
    expect(ops(g)).toEqual(["Transpose", "FullyConnected"]);
  });

  it("MatMul by a constant + Add of a per-unit constant becomes one FullyConnected with a bias", async () => {
    const bytes = model({
      inputs: [["x", [1, 3, 8]]],
      outputs: ["y"],
      initializers: [floats("W", [8, 5]), floats("b", [5])],
      nodes: [node("MatMul", ["x", "W"], ["m"]), node("Add", ["m", "b"], ["y"])],
    });
    const g = await expectSameUnderOrt(bytes, [[1, 3, 8]]);
    expect(ops(g)).toEqual(["FullyConnected"]);
    expect(g.nodes[0]?.inputs).toHaveLength(3);
    expect(g.outputs).toEqual(["y"]);
  });

  it("Conv (SAME_LOWER, depthwise, strided) + pools + BatchNormalization + GlobalAveragePool keep NCHW", async () => {
    const bytes = model({
      inputs: [["x", [1, 3, 9, 9]]],
      outputs: ["y"],
      initializers: [
        floats("w1", [6, 3, 3, 3]),
        floats("b1", [6]),
        floats("wd", [12, 1, 3, 3]),
        floats("scale", [12]),
        floats("bias", [12]),
        floats("mean", [12]),
        floats(
          "var",
          [12],
          Array.from({ length: 12 }, (_, i) => 0.5 + i / 10),
        ),
      ],
      nodes: [
        node("Conv", ["x", "w1", "b1"], ["c1"], [str("auto_pad", "SAME_LOWER"), ints("strides", [2, 2])]),
        node("Conv", ["c1", "wd"], ["c2"], [int("group", 6), ints("pads", [1, 1, 1, 1])]),
        node("BatchNormalization", ["c2", "scale", "bias", "mean", "var"], ["bn"], [float("epsilon", 1e-3)]),
        node("Clip", ["bn"], ["r"], []),
        node(
          "MaxPool",
          ["r"],
          ["p"],
          [ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1]), ints("strides", [1, 1])],
        ),
        node(
          "AveragePool",
          ["p"],
          ["a"],
          [ints("kernel_shape", [2, 2]), ints("pads", [1, 1, 0, 0]), int("count_include_pad", 1)],
        ),
        node("GlobalAveragePool", ["a"], ["y"]),
      ],
    });
    const g = await expectSameUnderOrt(bytes, [[1, 3, 9, 9]]);
    expect(ops(g)).toEqual([
      "Conv2D",
      "DepthwiseConv2D",
      "BatchNorm",
      "Clip",
      "MaxPool2D",
      "Pad",
      "AveragePool2D",
      "Mean",
    ]);
    for (const n of g.nodes) if ("layout" in n.attrs) expect(n.attrs.layout).toBe("NCHW");
  });

  it("1-D Conv, BatchNormalization and pools (audio models) run as their 2-D forms over a height of 1", async () => {
    const bytes = model({
      inputs: [["x", [1, 4, 40]]],
      outputs: ["y", "g"],
      initializers: [
        floats("w", [8, 4, 5]),
        floats("b", [8]),
        floats("dw", [8, 1, 3]),
        floats("scale", [8]),
        floats("shift", [8]),
        floats("mean", [8]),
        floats(
          "var",
          [8],
          Array.from({ length: 8 }, (_, i) => 1 + i / 8),
        ),
      ],
      nodes: [
        node("Conv", ["x", "w", "b"], ["c"], [ints("strides", [2]), ints("pads", [2, 1])]),
        node("BatchNormalization", ["c", "scale", "shift", "mean", "var"], ["bn"]),
        node("Conv", ["bn", "dw"], ["d"], [int("group", 8), ints("pads", [2, 2]), ints("dilations", [2])]),
        node("Relu", ["d"], ["r"]),
        node("MaxPool", ["r"], ["p"], [ints("kernel_shape", [3]), ints("strides", [2])]),
        node("AveragePool", ["p"], ["a"], [ints("kernel_shape", [2]), ints("strides", [1]), ints("pads", [1, 0])]),
        node("GlobalAveragePool", ["a"], ["y"]),
        node("GlobalMaxPool", ["a"], ["g"]),
      ],
    });
    const g = await expectSameUnderOrt(bytes, [[1, 4, 40]]);
    expect(tensorOf(g, "y").shape).toEqual([1, 8, 1]);
    expect(ops(g)).toContain("DepthwiseConv2D");
  });

  it("LeakyRelu, PRelu, HardSigmoid and HardSwish are built from IR ops", async () => {
    const bytes = model({
      inputs: [["x", [1, 3, 4, 4]]],
      outputs: ["a", "b", "c", "d"],
      initializers: [floats("slope", [3, 1, 1], [0.1, -0.2, 0.3])],
      nodes: [
        node("LeakyRelu", ["x"], ["a"], [float("alpha", 0.1)]),
        node("PRelu", ["x", "slope"], ["b"]),
        node("HardSigmoid", ["x"], ["c"], [float("alpha", 0.3), float("beta", 0.4)]),
        node("HardSwish", ["x"], ["d"]),
      ],
    });
    const g = await expectSameUnderOrt(bytes, [[1, 3, 4, 4]]);
    expect(new Set(ops(g))).toEqual(new Set(["Relu", "Mul", "Sub", "Add", "Clip"]));
  });

  it("MaxPool with ceil_mode=1 becomes a max pool padded at the end", async () => {
    const bytes = model({
      inputs: [["x", [1, 2, 8, 10]]],
      outputs: ["y"],
      nodes: [
        node("MaxPool", ["x"], ["y"], [ints("kernel_shape", [3, 2]), ints("strides", [2, 3]), int("ceil_mode", 1)]),
      ],
    });
    const g = await expectSameUnderOrt(bytes, [[1, 2, 8, 10]]);
    // floor mode would give [3, 3]
    expect(tensorOf(g, "y").shape).toEqual([1, 2, 4, 4]);
    expect(g.nodes[0]?.attrs).toMatchObject({ padding: [0, 0, 1, 1] });
  });

  it("Softmax before opset 13 normalizes over the flattened trailing axes; from 13 over one axis", async () => {
    const legacy = model({
      opset: 11,
      inputs: [["x", [2, 3, 4]]],
      outputs: ["y"],
      nodes: [node("Softmax", ["x"], ["y"], [int("axis", 1)])],
    });
    expect(ops(await expectSameUnderOrt(legacy, [[2, 3, 4]]))).toEqual(["Reshape", "Softmax", "Reshape"]);
    const current = model({
      opset: 13,
      inputs: [["x", [2, 3, 4]]],
      outputs: ["y"],
      nodes: [node("Softmax", ["x"], ["y"], [int("axis", 1)])],
    });
    expect(ops(await expectSameUnderOrt(current, [[2, 3, 4]]))).toEqual(["Transpose", "Softmax", "Transpose"]);
  });

  it.each([
    13, 17, 18, 21, 23,
  ])("elementwise, reshaping, padding, reduction and activation ops, exported at opset %i", async (exportOpset) => {
    const bytes = model({
      opset: 18,
      inputs: [
        ["x", [1, 2, 3, 4]],
        ["z", [1, 2, 3, 4]],
      ],
      outputs: ["out", "aux"],
      initializers: [
        floats("k", [4]),
        floats("d", [1], [4]),
        int64s("pads", [0, 0, 1, 0, 0, 0, 0, 2]),
        int64s("axes", [2]),
        int64s("rm_axes", [1, 3]),
        int64s("rs_axes", [-1]),
        floats("lo", [], [-0.5]),
        floats("hi", [], [0.75]),
      ],
      nodes: [
        node("Mul", ["x", "k"], ["m"]),
        node("Sub", ["m", "z"], ["s"]),
        node("Div", ["s", "d"], ["q"]),
        node("Pad", ["q", "pads"], ["p"], [str("mode", "constant")]),
        node("Sigmoid", ["p"], ["sg"]),
        node("Tanh", ["sg"], ["th"]),
        node("Clip", ["th", "lo", "hi"], ["cl"]),
        node("Unsqueeze", ["cl", "axes"], ["u"]),
        node("Squeeze", ["u", "axes"], ["sq"]),
        node("Transpose", ["sq"], ["t"], [ints("perm", [0, 3, 1, 2])]),
        node("Flatten", ["t"], ["f"], [int("axis", 2)]),
        node("Concat", ["f", "f"], ["c"], [int("axis", -1)]),
        node("Dropout", ["c"], ["dr"]),
        node("Identity", ["dr"], ["out"]),
        node("ReduceMean", ["x", "rm_axes"], ["rm"], [int("keepdims", 0)]),
        node("ReduceSum", ["rm", "rs_axes"], ["rs"], [int("keepdims", 1)]),
        node("Neg", ["rs"], ["aux"]),
      ],
    });
    await expectSameUnderOrt(
      bytes,
      [
        [1, 2, 3, 4],
        [1, 2, 3, 4],
      ],
      exportOpset,
    );
  });

  it("a legacy opset-4 model (broadcast attrs, Reshape/Pad/Clip attrs, string Cast, 2-D Softmax) equals its opset-13 twin", async () => {
    const bias = floats("b", [3]);
    const legacy = model({
      opset: 4,
      inputs: [["x", [1, 3, 4, 4]]],
      outputs: ["y"],
      initializers: [bias],
      nodes: [
        node("Add", ["x", "b"], ["a"], [int("broadcast", 1), int("axis", 1)]),
        node("Cast", ["a"], ["c"], [str("to", "FLOAT")]),
        node("Clip", ["c"], ["cl"], [float("min", 0), float("max", 2)]),
        node("Pad", ["cl"], ["p"], [ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])]),
        node("Reshape", ["p"], ["r"], [ints("shape", [1, 3, 36])]),
        node("Softmax", ["r"], ["y"]),
      ],
    });
    const modern = model({
      opset: 13,
      inputs: [["x", [1, 3, 4, 4]]],
      outputs: ["y"],
      initializers: [
        { ...bias, dims: [3, 1, 1] },
        floats("lo", [], [0]),
        floats("hi", [], [2]),
        int64s("pads", [0, 0, 1, 1, 0, 0, 1, 1]),
        int64s("shape", [1, 3, 36]),
        int64s("flat", [1, 108]),
      ],
      nodes: [
        node("Add", ["x", "b"], ["a"]),
        node("Clip", ["a", "lo", "hi"], ["cl"]),
        node("Pad", ["cl", "pads"], ["p"]),
        node("Reshape", ["p", "shape"], ["r"]),
        node("Reshape", ["r", "flat"], ["f"]),
        node("Softmax", ["f"], ["s"], [int("axis", -1)]),
        node("Reshape", ["s", "shape"], ["y"]),
      ],
    });
    const g = importOnnx(legacy, "legacy");
    expectShapesInferred(g);
    const [expected] = await runOrt(modern, [[1, 3, 4, 4]]);
    const [actual] = await runOrt(exportOnnx(g), [[1, 3, 4, 4]]);
    expect(actual?.length).toBe(108);
    for (const [i, v] of (expected as Float32Array).entries())
      expect(Math.abs((actual?.[i] as number) - v)).toBeLessThan(1e-6);
  });

  it("QDQ weights: MatMul and Gemm on DequantizeLinear of int8 constants become FullyConnected", async () => {
    const weights = (name: string, dims: number[]) => {
      const t = emptyTensor(name, ONNX_DTYPE.INT8, dims);
      t.int32Data = Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 37) % 255) - 127);
      return t;
    };
    const bytes = model({
      opset: 13,
      inputs: [["x", [1, 6]]],
      outputs: ["y"],
      initializers: [
        weights("w1", [6, 5]),
        floats("s1", [5], [0.01, 0.02, 0.015, 0.03, 0.005]),
        weights("w2", [4, 5]),
        floats("s2", [], [0.02]),
      ],
      nodes: [
        node("DequantizeLinear", ["w1", "s1"], ["w1f"], [int("axis", 1)]),
        node("MatMul", ["x", "w1f"], ["h"]),
        node("DequantizeLinear", ["w2", "s2"], ["w2f"]),
        node("Gemm", ["h", "w2f"], ["y"], [int("transB", 1)]),
      ],
    });
    const g = await expectSameUnderOrt(bytes, [[1, 6]]);
    expect(ops(g).filter((o) => o === "FullyConnected")).toHaveLength(2);
    const w1 = tensorOf(g, "w1");
    expect(w1.dtype).toBe("int8");
    expect(w1.quant?.axis).toBe(1);
    expect(w1.quant?.scale).toHaveLength(5);
  });

  it("QuantizeLinear / DequantizeLinear put scale and zero point on the integer tensors", async () => {
    const scale = floats("s", [], [0.05]);
    const zp = emptyTensor("zp", ONNX_DTYPE.INT8, []);
    zp.int32Data = [3];
    const bytes = model({
      opset: 13,
      inputs: [["x", [1, 8]]],
      outputs: ["y"],
      initializers: [scale, zp],
      nodes: [node("QuantizeLinear", ["x", "s", "zp"], ["q"]), node("DequantizeLinear", ["q", "s", "zp"], ["y"])],
    });
    const g = await expectSameUnderOrt(bytes, [[1, 8]]);
    expect(ops(g)).toEqual(["Quantize", "Dequantize"]);
    const q = tensorOf(g, g.nodes[0]?.outputs[0] as string);
    expect(q.dtype).toBe("int8");
    expect(q.quant).toEqual({ scale: [Math.fround(0.05)], zeroPoint: [3] });
  });
});
