import { describe, expect, it } from "vitest";
import { tensorOf } from "../ir/graph.js";
import {
  expectSameUnderOrt,
  expectShapesInferred,
  float,
  floats,
  int,
  int64s,
  ints,
  model,
  node,
  ops,
  runOrt,
  str,
} from "../testing/onnx-models.js";
import { exportOnnx } from "./export.js";
import { importOnnx } from "./import.js";
import { emptyTensor, ONNX_DTYPE } from "./schema.js";

describe("importOnnx across opsets and QDQ forms (checked against ONNX Runtime)", () => {
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
