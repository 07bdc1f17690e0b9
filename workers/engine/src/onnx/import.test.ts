import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { tensorOf } from "../ir/graph.js";
import {
  codeOf,
  expectSameUnderOrt,
  float,
  floats,
  int,
  int64s,
  ints,
  model,
  node,
  ops,
  str,
} from "../testing/onnx-models.js";
import { importOnnx } from "./import.js";
import { emptyTensor, ONNX_DTYPE } from "./schema.js";

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
});
