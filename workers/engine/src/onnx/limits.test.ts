import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { MODEL_LIMITS } from "../ir/limits.js";
import { floats, int64s, ints, model, node } from "../testing/onnx-models.js";
import { importOnnx } from "./import.js";
import { ATTR, attribute, emptyTensor, ONNX_DTYPE } from "./schema.js";

/**
 * The engine's bounds on a model (MODEL_LIMITS) through the ONNX importer: absurd shapes, attributes and totals
 * are refused at import with OVER_LIMITS, naming the bound, before anything is allocated for them.
 */

const errorOf = (bytes: Uint8Array): EngineError => {
  try {
    importOnnx(bytes, "absurd");
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error("the importer accepted the model");
};

/** x [1, 1, 8, 8] → Conv 3×3 (4 filters) with the given pads (and strides, dilations). */
const paddedConv = (pads: number, extra: { strides?: number[]; dilations?: number[] } = {}) =>
  model({
    opset: 13,
    inputs: [["x", [1, 1, 8, 8]]],
    outputs: ["y"],
    initializers: [floats("w", [4, 1, 3, 3])],
    nodes: [
      node(
        "Conv",
        ["x", "w"],
        ["y"],
        [
          ints("pads", [pads, pads, pads, pads]),
          ints("kernel_shape", [3, 3]),
          ...(extra.strides ? [ints("strides", extra.strides)] : []),
          ...(extra.dilations ? [ints("dilations", extra.dilations)] : []),
        ],
      ),
    ],
  });

describe("importOnnx within the engine's bounds (MODEL_LIMITS)", () => {
  it.each([2 ** 31, 65535])("refuses a Conv padded by %i as OVER_LIMITS, naming the padding", (pads) => {
    const e = errorOf(paddedConv(pads));
    expect(e.code).toBe("OVER_LIMITS");
    expect(e.details).toMatchObject({ limit: "window", value: pads, max: MODEL_LIMITS.window });
    expect(e.message).toContain(`a padding of ${pads.toLocaleString("en")}`);
    expect(e.message).toContain('Conv node "Conv_y"');
  });

  it("refuses strides and dilations beyond the bound; takes the same Conv with sane ones", () => {
    expect(errorOf(paddedConv(1, { strides: [1, 100_000] })).details).toMatchObject({ limit: "window" });
    expect(errorOf(paddedConv(1, { dilations: [2 ** 40, 1] })).details).toMatchObject({ limit: "window" });
    const g = importOnnx(paddedConv(1, { strides: [2, 2] }), "sane");
    expect(g.tensors.get("y")?.shape).toEqual([1, 4, 4, 4]);
  });

  it("refuses an input of more values than one tensor may hold, or a dimension over the bound", () => {
    const relu = (shape: number[]) =>
      model({ inputs: [["x", shape]], outputs: ["y"], nodes: [node("Relu", ["x"], ["y"])] });
    expect(errorOf(relu([1, 3, 8192, 8192])).details).toMatchObject({ limit: "tensorElements" });
    expect(errorOf(relu([1, 2 ** 25])).details).toMatchObject({ limit: "dimension" });
    expect(errorOf(relu([1, 1, 1, 1, 1, 1, 1, 1, 2])).details).toMatchObject({ limit: "rank" });
  });

  it("refuses a model of more MACs than the bound, though every tensor is within its own", () => {
    // [2048, 2048] × [2048, 2048]: 8.6 G multiply-accumulates from two 16 MB inputs
    const e = errorOf(
      model({
        inputs: [
          ["a", [2048, 2048]],
          ["b", [2048, 2048]],
        ],
        outputs: ["y"],
        nodes: [node("MatMul", ["a", "b"], ["y"])],
      }),
    );
    expect(e.code).toBe("OVER_LIMITS");
    expect(e.details).toMatchObject({ limit: "macs", value: 2048 ** 3 });
    expect(e.message).toContain("8,589,934,592 multiply-accumulates per inference");
  });

  it("refuses activations alive at once over the bound, though each is within its own", () => {
    // x (64 MiB) and its Relu (64 MiB) alive together
    const e = errorOf(model({ inputs: [["x", [1, 4096, 4096]]], outputs: ["y"], nodes: [node("Relu", ["x"], ["y"])] }));
    expect(e.details).toMatchObject({ limit: "peakActivationBytes", value: 2 * 4 * 4096 * 4096 });
  });

  it("refuses folded constants past the budget: ConstantOfShape cannot make a small file hold gigabytes", () => {
    const fill = emptyTensor("v", ONNX_DTYPE.FLOAT, [1]);
    fill.floatData = [1];
    const big = (k: number) => [
      node("ConstantOfShape", ["shape"], [`c${k}`], [attribute("value", ATTR.TENSOR, { t: fill })]),
      node("Add", [k === 0 ? "x" : `s${k - 1}`, `c${k}`], [`s${k}`]),
    ];
    const bytes = model({
      inputs: [["x", [3000, 3000]]],
      outputs: ["s5"],
      initializers: [int64s("shape", [3000, 3000])],
      nodes: [0, 1, 2, 3, 4, 5].flatMap(big),
    });
    expect(bytes.length).toBeLessThan(1000);
    expect(errorOf(bytes).details).toMatchObject({ limit: "importConstants" });
    // two such constants fit the import's budget, but not the model's weights
    const two = model({
      inputs: [["x", [3000, 3000]]],
      outputs: ["s1"],
      initializers: [int64s("shape", [3000, 3000])],
      nodes: [0, 1].flatMap(big),
    });
    expect(errorOf(two).details).toMatchObject({ limit: "parameters", value: 2 * 9_000_000 });
  });

  it("refuses a file of more ops than the bound before converting any", () => {
    const n = MODEL_LIMITS.ops + 1;
    const nodes = Array.from({ length: n }, (_, i) => node("Relu", [i === 0 ? "x" : `r${i - 1}`], [`r${i}`]));
    const e = errorOf(model({ inputs: [["x", [1, 4]]], outputs: [`r${n - 1}`], nodes }));
    expect(e.details).toMatchObject({ limit: "ops", value: n });
  });
});
