import { describe, expect, it } from "vitest";
import type { Graph } from "../ir/graph.js";
import { MODEL_LIMITS } from "../ir/limits.js";
import { runPasses } from "../passes/pipeline.js";
import { fixture } from "../testing/fixtures.js";
import { importTflite } from "../tflite/import.js";
import { analyzeGraph } from "./analyze.js";

describe("analyzeGraph on real models", () => {
  it("KWS DS-CNN: ops, parameters, MACs, activation memory", () => {
    const g = importTflite(fixture("mlperf-tiny/kws/kws_ref_model_float32.tflite"), "kws");
    runPasses(g);
    const a = analyzeGraph(g);
    expect(a.ops).toEqual({
      Conv2D: 5,
      DepthwiseConv2D: 4,
      AveragePool2D: 1,
      Reshape: 1,
      FullyConnected: 1,
      Softmax: 1,
    });
    expect(a.params).toBe(22_604);
    expect(a.macs).toBe(2_656_768);
    expect(a.layers[0]).toMatchObject({
      op: "Conv2D",
      macs: 320_000,
      params: 2624,
      outputShape: [1, 25, 5, 64],
      outputBytes: 32_000,
    });
    // Peak: a 25×5×64 float activation in and one out of a layer (the input 49×10 is gone by then).
    expect(a.peakActivationBytes).toBe(2 * 32_000);
    expect(a.weightBytes.float32).toBe(22_604 * 4);
    // int8: weights 1 byte, biases (64·9 + 12 = 588 values) 4 bytes.
    expect(a.weightBytes.int8).toBe(22_604 - 588 + 588 * 4);
    expect(a.weightBytes.int16x8).toBe(22_604 - 588 + 588 * 8);
  });

  it("AD autoencoder: ten fully connected layers", () => {
    const g = importTflite(fixture("mlperf-tiny/ad/ad01_fp32.tflite"), "ad");
    runPasses(g);
    const a = analyzeGraph(g);
    expect(a.ops.FullyConnected).toBe(10);
    expect(a.macs).toBe(a.layers.reduce((s, l) => s + l.macs, 0));
    expect(a.params).toBeGreaterThan(260_000);
  });
});

describe("analyzeGraph on the largest graph the engine's bounds allow", () => {
  it("10,000 parallel branches, all outputs: the peak in under 2 s (it took 15–23 s: quadratic)", () => {
    const n = MODEL_LIMITS.ops;
    const g: Graph = { name: "wide", tensors: new Map(), nodes: [], inputs: ["x"], outputs: [] };
    g.tensors.set("x", { name: "x", dtype: "float32", shape: [1, 64] });
    for (let i = 0; i < n; i++) {
      g.tensors.set(`y${i}`, { name: `y${i}`, dtype: "float32", shape: [1, 64] });
      g.nodes.push({ name: `n${i}`, op: "Logistic", inputs: ["x"], outputs: [`y${i}`], attrs: {} });
      g.outputs.push(`y${i}`);
    }
    const started = performance.now();
    const a = analyzeGraph(g);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(a.peakActivationBytes).toBe((n + 1) * 256);
    expect(a.peakAt).toBe(`n${n - 1}`);
  });
});
