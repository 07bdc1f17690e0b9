import * as ort from "onnxruntime-node";
import { type Dataset, sampleOf } from "../dataset/dataset.js";
import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import { ReferenceInterpreter, type RunOptions } from "../runtime/interpreter.js";

/** Runs a model on every sample of a dataset and returns its first output per sample, as real values. */
export interface Executor {
  name: string;
  runAll(data: Dataset): Promise<Float32Array[]>;
}

/** ONNX Runtime (CPU) on an ONNX model with one float input and a float first output. */
export async function onnxRuntimeExecutor(onnx: Uint8Array, name = "onnxruntime"): Promise<Executor> {
  const session = await ort.InferenceSession.create(onnx, {
    graphOptimizationLevel: "all",
    intraOpNumThreads: 1,
  }).catch((e: Error) => {
    throw new EngineError("INVALID_GRAPH", `ONNX Runtime refused the exported model: ${e.message}`);
  });
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  return {
    name,
    async runAll(data) {
      const outputs: Float32Array[] = [];
      for (let i = 0; i < data.count; i++) {
        const feed = { [inputName as string]: new ort.Tensor("float32", sampleOf(data, i).slice(), data.sampleShape) };
        const result = await session.run(feed);
        const out = result[outputName as string] as ort.Tensor;
        outputs.push(Float32Array.from(out.data as Float32Array));
      }
      return outputs;
    },
  };
}

/** The engine's reference interpreter (float, or simulated quantization with fakeQuant). */
export function referenceExecutor(graph: Graph, options: RunOptions = {}): Executor {
  const interpreter = new ReferenceInterpreter(graph);
  return {
    name: options.fakeQuant ? "reference (simulated quantization)" : "reference",
    async runAll(data) {
      return Array.from(
        { length: data.count },
        (_, i) => interpreter.run([sampleOf(data, i)], options)[0] as Float32Array,
      );
    },
  };
}
