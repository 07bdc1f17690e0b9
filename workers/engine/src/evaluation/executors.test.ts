import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { int64s, model, node } from "../testing/onnx-models.js";
import { onnxRuntimeExecutor } from "./executors.js";

describe("onnxRuntimeExecutor", () => {
  it("turns ONNX Runtime's failure to run a model it loaded into the engine's INVALID_GRAPH error", async () => {
    // loads (the second dimension is symbolic), fails at run time: 4 values cannot be reshaped to [3]
    const bytes = model({
      opset: 13,
      inputs: [["x", [1, "n"]]],
      outputs: ["y"],
      initializers: [int64s("shape", [3])],
      nodes: [node("Reshape", ["x", "shape"], ["y"])],
    });
    const executor = await onnxRuntimeExecutor(bytes);
    const failure = await executor.runAll({ count: 1, sampleShape: [1, 4], x: new Float32Array(4) }).catch((e) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).code).toBe("INVALID_GRAPH");
    expect((failure as EngineError).message).toMatch(/^ONNX Runtime could not run the exported model: .*reshaped/);
  });
});
