import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { writeTfliteUnchecked } from "../fuzz/mutate-tflite.js";
import type { Graph } from "../ir/graph.js";
import { cloneGraph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { verifyGraph } from "../ir/verify.js";
import { ReferenceInterpreter } from "../runtime/interpreter.js";
import { importTflite } from "../tflite/import.js";
import { foldBatchNorm } from "./fold-batch-norm.js";
import { foldConstants } from "./fold-constants.js";
import { foldScaleShift } from "./fold-scale-shift.js";
import { fuseActivations } from "./fuse-activations.js";
import { runPasses } from "./pipeline.js";
import { removeIdentity } from "./remove-identity.js";
import { simplifyReshapes } from "./simplify-reshapes.js";
import { sinkTransposes } from "./sink-transposes.js";

/** Deterministic pseudo-random values in [-1, 1). */
function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}
const t = (name: string, shape: number[], data?: Float32Array): Tensor => ({
  name,
  dtype: "float32",
  shape,
  ...(data ? { data } : {}),
});
const graphOf = (tensors: Tensor[], nodes: Node[], inputs: string[], outputs: string[]): Graph => ({
  name: "test",
  tensors: new Map(tensors.map((x) => [x.name, x])),
  nodes,
  inputs,
  outputs,
});

/** Runs a pass and checks that the graph stays valid and computes the same function. */
function expectSameFunction(graph: Graph, pass: { run(g: Graph): boolean }, tolerance = 1e-5): Graph {
  const before = cloneGraph(graph);
  const input = random(
    (graph.tensors.get(graph.inputs[0] as string) as Tensor).shape.reduce((a, b) => a * b, 1),
    7,
  );
  const expected = new ReferenceInterpreter(before).run([input])[0] as Float32Array;
  expect(pass.run(graph)).toBe(true);
  verifyGraph(graph);
  const actual = new ReferenceInterpreter(graph).run([input])[0] as Float32Array;
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++)
    expect(Math.abs((actual[i] as number) - (expected[i] as number))).toBeLessThan(tolerance);
  return graph;
}

const conv = (name: string, x: string, w: string, b: string, y: string): Node => ({
  name,
  op: "Conv2D",
  inputs: [x, w, b],
  outputs: [y],
  attrs: { strides: [1, 1], dilations: [1, 1], padding: "same", activation: "none", layout: "NHWC" },
});

describe("passes keep the function and do their rewrite", () => {
  it("foldBatchNorm folds into the convolution before it", () => {
    const g = graphOf(
      [
        t("x", [1, 5, 5, 3]),
        t("w", [4, 3, 3, 3], random(108, 1)),
        t("b", [4], random(4, 2)),
        t("y", [1, 5, 5, 4]),
        t("gamma", [4], random(4, 3)),
        t("beta", [4], random(4, 4)),
        t("mean", [4], random(4, 5)),
        t(
          "var",
          [4],
          random(4, 6).map((v) => v + 1.5),
        ),
        t("z", [1, 5, 5, 4]),
      ],
      [
        conv("conv", "x", "w", "b", "y"),
        {
          name: "bn",
          op: "BatchNorm",
          inputs: ["y", "gamma", "beta", "mean", "var"],
          outputs: ["z"],
          attrs: { epsilon: 1e-3, layout: "NHWC" },
        },
      ],
      ["x"],
      ["z"],
    );
    expectSameFunction(g, foldBatchNorm);
    expect(g.nodes.map((n) => n.op)).toEqual(["Conv2D"]);
  });

  it("foldBatchNorm becomes Mul and Add where there is no layer to fold into", () => {
    const g = graphOf(
      [
        t("x", [1, 2, 2, 3]),
        t("g", [3], random(3, 1)),
        t("b", [3], random(3, 2)),
        t("m", [3], random(3, 3)),
        t("v", [3], Float32Array.of(1, 2, 3)),
        t("z", [1, 2, 2, 3]),
      ],
      [
        {
          name: "bn",
          op: "BatchNorm",
          inputs: ["x", "g", "b", "m", "v"],
          outputs: ["z"],
          attrs: { epsilon: 1e-5, layout: "NHWC" },
        },
      ],
      ["x"],
      ["z"],
    );
    expectSameFunction(g, foldBatchNorm);
    expect(g.nodes.map((n) => n.op)).toEqual(["Mul", "Add"]);
  });

  it("foldScaleShift folds a per-channel Mul and Add (with its ReLU) into a fully connected layer", () => {
    const g = graphOf(
      [
        t("x", [1, 6]),
        t("w", [4, 6], random(24, 1)),
        t("b", [4], random(4, 2)),
        t("y", [1, 4]),
        t("s", [4], random(4, 3)),
        t("ys", [1, 4]),
        t("h", [4], random(4, 4)),
        t("z", [1, 4]),
      ],
      [
        {
          name: "fc",
          op: "FullyConnected",
          inputs: ["x", "w", "b"],
          outputs: ["y"],
          attrs: { activation: "none", keepNumDims: false },
        },
        { name: "mul", op: "Mul", inputs: ["y", "s"], outputs: ["ys"], attrs: { activation: "none" } },
        { name: "add", op: "Add", inputs: ["ys", "h"], outputs: ["z"], attrs: { activation: "relu" } },
      ],
      ["x"],
      ["z"],
    );
    expectSameFunction(g, foldScaleShift);
    expect(g.nodes.map((n) => `${n.op}+${(n.attrs as { activation: string }).activation}`)).toEqual([
      "FullyConnected+relu",
    ]);
  });

  it("fuseActivations fuses Relu6 (and Clip(0, 6)) into the layer", () => {
    const g = graphOf(
      [
        t("x", [1, 4, 4, 3]),
        t(
          "w",
          [2, 3, 3, 3],
          random(54, 9).map((v) => v * 4),
        ),
        t("b", [2], random(2, 1)),
        t("y", [1, 4, 4, 2]),
        t("z", [1, 4, 4, 2]),
      ],
      [
        conv("conv", "x", "w", "b", "y"),
        { name: "clip", op: "Clip", inputs: ["y"], outputs: ["z"], attrs: { min: 0, max: 6 } },
      ],
      ["x"],
      ["z"],
    );
    expectSameFunction(g, fuseActivations);
    expect(g.nodes.map((n) => `${n.op}+${(n.attrs as { activation?: string }).activation}`)).toEqual(["Conv2D+relu6"]);
  });

  it("fuseActivations leaves an activation whose input is read twice", () => {
    const g = graphOf(
      [t("x", [1, 4]), t("w", [4, 4], random(16, 3)), t("y", [1, 4]), t("r", [1, 4]), t("z", [1, 4])],
      [
        {
          name: "fc",
          op: "FullyConnected",
          inputs: ["x", "w"],
          outputs: ["y"],
          attrs: { activation: "none", keepNumDims: false },
        },
        { name: "relu", op: "Relu", inputs: ["y"], outputs: ["r"], attrs: {} },
        { name: "add", op: "Add", inputs: ["r", "y"], outputs: ["z"], attrs: { activation: "none" } },
      ],
      ["x"],
      ["z"],
    );
    expect(fuseActivations.run(g)).toBe(false);
  });

  it("removeIdentity and foldConstants remove what computes nothing at run time", () => {
    const g = graphOf(
      [t("x", [1, 4]), t("i", [1, 4]), t("c1", [2, 2], Float32Array.of(1, 2, 3, 4)), t("c2", [4]), t("y", [1, 4])],
      [
        { name: "id", op: "Identity", inputs: ["x"], outputs: ["i"], attrs: {} },
        { name: "flat", op: "Reshape", inputs: ["c1"], outputs: ["c2"], attrs: { shape: [4] } },
        { name: "add", op: "Add", inputs: ["i", "c2"], outputs: ["y"], attrs: { activation: "none" } },
      ],
      ["x"],
      ["y"],
    );
    expectSameFunction(g, removeIdentity);
    expectSameFunction(g, foldConstants);
    expect(g.nodes.map((n) => n.op)).toEqual(["Add"]);
    expect(Array.from(g.tensors.get("c2")?.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it("sinkTransposes cancels a transpose pair around an activation; simplifyReshapes drops data-free transposes", () => {
    const g = graphOf(
      [t("x", [1, 2, 3, 4]), t("a", [1, 4, 2, 3]), t("r", [1, 4, 2, 3]), t("y", [1, 2, 3, 4]), t("z", [1, 2, 3, 4])],
      [
        { name: "t1", op: "Transpose", inputs: ["x"], outputs: ["a"], attrs: { perm: [0, 3, 1, 2] } },
        { name: "relu", op: "Relu", inputs: ["a"], outputs: ["r"], attrs: {} },
        { name: "t2", op: "Transpose", inputs: ["r"], outputs: ["y"], attrs: { perm: [0, 2, 3, 1] } },
        { name: "tanh", op: "Tanh", inputs: ["y"], outputs: ["z"], attrs: {} },
      ],
      ["x"],
      ["z"],
    );
    expectSameFunction(g, sinkTransposes);
    expect(g.nodes.map((n) => n.op)).toEqual(["Relu", "Tanh"]);

    const h = graphOf(
      [t("x", [1, 1, 1, 8]), t("a", [1, 8, 1, 1]), t("y", [1, 8])],
      [
        { name: "t", op: "Transpose", inputs: ["x"], outputs: ["a"], attrs: { perm: [0, 3, 1, 2] } },
        { name: "flat", op: "Reshape", inputs: ["a"], outputs: ["y"], attrs: { shape: [1, 8] } },
      ],
      ["x"],
      ["y"],
    );
    expectSameFunction(h, simplifyReshapes);
    expect(h.nodes.map((n) => n.op)).toEqual(["Reshape"]);
  });
});

describe("foldConstants within the engine's budget of constant values", () => {
  it("refuses a small file whose constants, once folded, would hold gigabytes (OVER_LIMITS, not an out-of-memory)", () => {
    // Twelve one-value constants, each padded to 2048×2048 and added to the input: every branch is within the
    // bounds at import (32 MB alive at once), but folding the pads would hold 12 × 4 M values at once.
    const branches = 12;
    const tensors = [t("x", [1, 1, 1, 1])];
    const nodes: Node[] = [];
    const outputs: string[] = [];
    for (let i = 0; i < branches; i++) {
      tensors.push(t(`c${i}`, [1, 1, 1, 1], Float32Array.of(i)), t(`p${i}`, [1, 2048, 2048, 1]));
      tensors.push(t(`s${i}`, [1, 2048, 2048, 1]), t(`m${i}`, [1, 1, 1, 1]));
      const pads: [number, number][] = [
        [0, 0],
        [1024, 1023],
        [1024, 1023],
        [0, 0],
      ];
      nodes.push({ name: `pad${i}`, op: "Pad", inputs: [`c${i}`], outputs: [`p${i}`], attrs: { pads, value: 0 } });
      nodes.push({
        name: `add${i}`,
        op: "Add",
        inputs: ["x", `p${i}`],
        outputs: [`s${i}`],
        attrs: { activation: "none" },
      });
      nodes.push({
        name: `mean${i}`,
        op: "Mean",
        inputs: [`s${i}`],
        outputs: [`m${i}`],
        attrs: { axes: [1, 2], keepDims: true },
      });
      outputs.push(`m${i}`);
    }
    const g = importTflite(writeTfliteUnchecked(graphOf(tensors, nodes, ["x"], outputs)), "padded-constants");
    let error: unknown;
    try {
      runPasses(g);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).details).toMatchObject({ limit: "importConstants" });
  });
});
