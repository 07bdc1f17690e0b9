import { describe, expect, it } from "vitest";
import type { Graph } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { verifyGraph } from "../ir/verify.js";
import { ReferenceInterpreter } from "../runtime/interpreter.js";
import { quantizeFloat16 } from "./fp16.js";
import { quantizeInteger } from "./integer.js";
import { fixedOutputParams } from "./op-rules.js";
import { activationParams, quantizeWeights } from "./params.js";

describe("quantization parameters (TFLite int8 specification)", () => {
  it("int8 activations: asymmetric, range widened to hold 0 exactly", () => {
    const q = activationParams(-1, 3, 8);
    expect(q.scale[0]).toBeCloseTo(4 / 255, 12);
    expect(q.zeroPoint[0]).toBe(-128 + Math.round(1 / (4 / 255)));
    // 0 is representable exactly: (zp − zp) · scale.
    const pos = activationParams(0.5, 2, 8);
    expect(pos.zeroPoint[0]).toBe(-128);
  });

  it("int16 activations: symmetric, zero point 0", () => {
    expect(activationParams(-0.5, 2, 16)).toEqual({ scale: [2 / 32767], zeroPoint: [0] });
  });

  it("fixed output parameters of softmax, logistic and tanh", () => {
    expect(fixedOutputParams("Softmax", 8)).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    expect(fixedOutputParams("Tanh", 8)).toEqual({ scale: [1 / 128], zeroPoint: [0] });
    expect(fixedOutputParams("Logistic", 16)).toEqual({ scale: [1 / 32768], zeroPoint: [0] });
    expect(fixedOutputParams("Conv2D", 8)).toBeUndefined();
  });

  it("weights: symmetric int8 in [−127, 127], one scale per output channel", () => {
    const w = Float32Array.of(1, -0.5, 0.25, 0.15, -0.2, 0.05);
    const q = quantizeWeights(w, [2, 3], 0);
    expect(q.quant.scale).toEqual([1 / 127, Math.fround(0.2) / 127]);
    expect(Array.from(q.data)).toEqual([127, -64, 32, 95, -127, 32]);
    const perTensor = quantizeWeights(w, [2, 3], undefined);
    expect(perTensor.quant.scale).toEqual([1 / 127]);
  });
});

/** x → FC(4→3, relu) → Softmax: a small graph to quantize end to end. */
function smallGraph(): Graph {
  const t = (name: string, shape: number[], data?: Float32Array): Tensor => ({
    name,
    dtype: "float32",
    shape,
    ...(data ? { data } : {}),
  });
  const w = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
  return {
    name: "small",
    tensors: new Map(
      [
        t("x", [1, 4]),
        t("w", [3, 4], w),
        t("b", [3], Float32Array.of(0.1, -0.2, 0.3)),
        t("h", [1, 3]),
        t("y", [1, 3]),
      ].map((v) => [v.name, v]),
    ),
    nodes: [
      {
        name: "fc",
        op: "FullyConnected",
        inputs: ["x", "w", "b"],
        outputs: ["h"],
        attrs: { activation: "relu", keepNumDims: false },
      },
      { name: "softmax", op: "Softmax", inputs: ["h"], outputs: ["y"], attrs: { beta: 1 } },
    ],
    inputs: ["x"],
    outputs: ["y"],
  };
}

describe("quantizeInteger", () => {
  const ranges = new Map<string, [number, number]>([
    ["x", [-1, 1]],
    ["h", [0, 2.5]],
    ["y", [0, 1]],
  ]);

  it("int8: int8 activations, per-tensor FC weights, int32 bias at input scale × weight scale, fixed softmax output", () => {
    const q = quantizeInteger(smallGraph(), ranges, { defaultBits: 8 });
    verifyGraph(q);
    const fc = q.nodes.find((n) => n.name === "fc");
    const [x, w, b] = (fc?.inputs ?? []).map((n) => q.tensors.get(n) as Tensor);
    expect([x?.dtype, w?.dtype, b?.dtype]).toEqual(["int8", "int8", "int32"]);
    expect(b?.quant?.scale[0]).toBeCloseTo((x?.quant?.scale[0] as number) * (w?.quant?.scale[0] as number), 15);
    expect(q.tensors.get("y")?.quant).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    // The simulated int8 model follows the float one closely.
    const input = Float32Array.of(0.3, -0.7, 0.9, 0.1);
    const f = new ReferenceInterpreter(smallGraph()).run([input])[0] as Float32Array;
    const s = new ReferenceInterpreter(q).run([input], { fakeQuant: true })[0] as Float32Array;
    f.forEach((v, i) => {
      expect(Math.abs(v - (s[i] as number))).toBeLessThan(0.02);
    });
  });

  it("the bias has the weights' granularity: a per-tensor FC's bias carries one scale, no axis", () => {
    // TFLite's FULLY_CONNECTED reads a per-tensor layer's bias scale as one value; a bias carrying one scale per
    // output channel made LiteRT's builtin and reference kernels refuse the exported file.
    for (const defaultBits of [8, 16] as const) {
      const q = quantizeInteger(smallGraph(), ranges, { defaultBits });
      const [x, w, b] = (q.nodes.find((n) => n.name === "fc")?.inputs ?? []).map((n) => q.tensors.get(n) as Tensor);
      expect(w?.quant?.scale).toHaveLength(1);
      expect(w?.quant?.axis).toBeUndefined();
      expect(b?.quant).toEqual({
        scale: [(x?.quant?.scale[0] as number) * (w?.quant?.scale[0] as number)],
        zeroPoint: [0],
      });
      expect(b?.shape).toEqual([3]);
    }
  });

  it("int16x8: int16 activations with zero point 0 and int64 bias", () => {
    const q = quantizeInteger(smallGraph(), ranges, { defaultBits: 16 });
    expect(q.tensors.get("h")?.dtype).toBe("int16");
    expect(q.tensors.get("h")?.quant?.zeroPoint).toEqual([0]);
    const bias = q.tensors.get(q.nodes.find((n) => n.name === "fc")?.inputs[2] as string);
    expect(bias?.dtype).toBe("int64");
  });

  it("mixed: a Quantize node converts where widths meet", () => {
    const q = quantizeInteger(smallGraph(), ranges, { defaultBits: 8, bits: new Map([["softmax", 16]]) });
    verifyGraph(q);
    expect(q.nodes.map((n) => n.op)).toEqual(["FullyConnected", "Quantize", "Softmax"]);
    expect(q.tensors.get("y")?.dtype).toBe("int16");
  });

  it("refuses ops it cannot quantize, naming them", () => {
    const g = smallGraph();
    g.nodes.push({
      name: "mm",
      op: "MatMul",
      inputs: ["y", "y"],
      outputs: ["z"],
      attrs: { transposeA: false, transposeB: true },
    });
    g.tensors.set("z", { name: "z", dtype: "float32", shape: [1, 1] });
    expect(() => quantizeInteger(g, ranges, { defaultBits: 8 })).toThrow(/does not support MatMul/);
  });
});

describe("quantizeFloat16", () => {
  it("stores float constants as half floats behind Dequantize nodes", () => {
    const q = quantizeFloat16(smallGraph());
    verifyGraph(q);
    expect(q.nodes.map((n) => n.op)).toEqual(["Dequantize", "Dequantize", "FullyConnected", "Softmax"]);
    expect(q.tensors.get("w")?.dtype).toBe("float16");
    const input = Float32Array.of(0.3, -0.7, 0.9, 0.1);
    const f = new ReferenceInterpreter(smallGraph()).run([input])[0] as Float32Array;
    const h = new ReferenceInterpreter(q).run([input])[0] as Float32Array;
    f.forEach((v, i) => {
      expect(Math.abs(v - (h[i] as number))).toBeLessThan(1e-3);
    });
  });
});
