import { describe, expect, it } from "vitest";
import { EngineError } from "./errors.js";
import { writeTfliteUnchecked } from "./fuzz/mutate-tflite.js";
import type { Graph } from "./ir/graph.js";
import { optimize } from "./optimize.js";
import { npzOf } from "./testing/npz.js";

describe("optimize refuses a model it cannot feed or that computes nothing", () => {
  it("a float16 input (found by the fuzz campaign: ONNX Runtime failed on the float32 samples) is UNSUPPORTED_MODEL", async () => {
    const graph: Graph = {
      name: "half",
      tensors: new Map([
        ["x", { name: "x", dtype: "float16", shape: [1, 2] }],
        ["y", { name: "y", dtype: "float16", shape: [1, 2] }],
      ]),
      nodes: [{ name: "sigmoid", op: "Logistic", inputs: ["x"], outputs: ["y"], attrs: {} }],
      inputs: ["x"],
      outputs: ["y"],
    };
    const failure = await optimize({
      model: writeTfliteUnchecked(graph),
      modelName: "half.tflite",
      dataset: npzOf({ x: { descr: "<f4", shape: [3, 2], data: new Float32Array(6) } }),
      target: "cortex-m4",
      precision: "int8",
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).code).toBe("UNSUPPORTED_MODEL");
    expect((failure as EngineError).message).toMatch(/float32 input; input "x" of half\.tflite is float16/);
  });

  it("an output that is a constant (found by the fuzz campaign: quantization failed on it) is UNSUPPORTED_MODEL", async () => {
    const graph: Graph = {
      name: "constant",
      tensors: new Map([
        ["x", { name: "x", dtype: "float32", shape: [1, 2] }],
        ["w", { name: "w", dtype: "float32", shape: [1, 2], data: Float32Array.of(2, 3) }],
        ["y", { name: "y", dtype: "float32", shape: [1, 2] }],
      ]),
      nodes: [{ name: "square", op: "Mul", inputs: ["w", "w"], outputs: ["y"], attrs: { activation: "none" } }],
      inputs: ["x"],
      outputs: ["y"],
    };
    const failure = await optimize({
      model: writeTfliteUnchecked(graph),
      modelName: "constant.tflite",
      dataset: npzOf({ x: { descr: "<f4", shape: [3, 2], data: new Float32Array(6) } }),
      target: "cortex-m4",
      precision: "int8",
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).code).toBe("UNSUPPORTED_MODEL");
    expect((failure as EngineError).message).toMatch(/output "y" of constant\.tflite is a constant/);
  });
});
