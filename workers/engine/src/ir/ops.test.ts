import { describe, expect, it } from "vitest";
import { ACTIVATION_OPS, FUSABLE_ACTIVATION_OPS, OP_TYPES, OPS, WEIGHTED_OPS, weightChannels } from "./ops.js";

describe("the op table", () => {
  it("describes every op of the vocabulary, with a valid arity", () => {
    for (const op of OP_TYPES) {
      const [min, max] = OPS[op].arity;
      expect(min, op).toBeGreaterThanOrEqual(1);
      expect(max, op).toBeGreaterThanOrEqual(min);
    }
  });

  it("fused activations where TFLite's builtins carry fused_activation_function", () => {
    expect([...FUSABLE_ACTIVATION_OPS]).toEqual([
      "Conv2D",
      "DepthwiseConv2D",
      "FullyConnected",
      "AveragePool2D",
      "MaxPool2D",
      "Add",
      "Sub",
      "Mul",
      "Concat",
    ]);
    expect(ACTIVATION_OPS).toEqual({ relu: "Relu", relu6: "Relu6", relu_n1_to_1: "ReluN1To1", tanh: "Tanh" });
  });

  it("weighted layers take [x, weights, bias?]", () => {
    expect([...WEIGHTED_OPS]).toEqual(["Conv2D", "DepthwiseConv2D", "FullyConnected"]);
    for (const op of WEIGHTED_OPS) expect(OPS[op].arity).toEqual([2, 3]);
  });

  it("output channels: first axis of OHWI and [out, in], last of depthwise [1, kh, kw, C]", () => {
    const conv = weightChannels("Conv2D", [4, 3, 3, 2]); // 18 weights per output channel
    expect(conv.count).toBe(4);
    expect([0, 17, 18, 71].map(conv.of)).toEqual([0, 0, 1, 3]);
    const fc = weightChannels("FullyConnected", [3, 5]);
    expect([fc.count, fc.of(4), fc.of(5), fc.of(14)]).toEqual([3, 0, 1, 2]);
    const depthwise = weightChannels("DepthwiseConv2D", [1, 3, 3, 8]);
    expect([depthwise.count, depthwise.of(0), depthwise.of(7), depthwise.of(8), depthwise.of(71)]).toEqual([
      8, 0, 7, 0, 7,
    ]);
  });
});
