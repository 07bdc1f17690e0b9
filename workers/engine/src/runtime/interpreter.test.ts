import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { datasetFromNpz, sampleOf } from "../dataset/dataset.js";
import type { Tensor } from "../ir/tensor.js";
import { verifyGraph } from "../ir/verify.js";
import { importOnnx } from "../onnx/import.js";
import { runPasses } from "../passes/pipeline.js";
import { generated } from "../testing/fixtures.js";
import { ReferenceInterpreter } from "./interpreter.js";

async function ortOutputs(model: Uint8Array, inputs: Float32Array[], shape: number[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(model);
  const outs: Float32Array[] = [];
  for (const x of inputs) {
    const r = await session.run({ [session.inputNames[0] as string]: new ort.Tensor("float32", x, shape) });
    outs.push(Float32Array.from(r[session.outputNames[0] as string]?.data as Float32Array));
  }
  return outs;
}

const maxAbsDiff = (a: Float32Array[], b: Float32Array[]) =>
  Math.max(...a.map((x, i) => Math.max(...x.map((v, k) => Math.abs(v - ((b[i] as Float32Array)[k] as number))))));

describe("reference interpreter against ONNX Runtime on real models (after the standard passes)", () => {
  it.each([
    ["kws.onnx", "kws_eembc.npz", 1e-4],
    ["ad01.onnx", "ad_windows.npz", 2e-3],
  ])("%s", async (modelFile, dataFile, tolerance) => {
    const bytes = generated(modelFile);
    const graph = importOnnx(bytes, modelFile);
    runPasses(graph);
    verifyGraph(graph);
    // After the passes nothing is NCHW any more and no Identity is left.
    expect(graph.nodes.some((n) => "layout" in n.attrs && n.attrs.layout === "NCHW")).toBe(false);
    expect(graph.nodes.some((n) => n.op === "Identity")).toBe(false);
    const inputShape = (graph.tensors.get(graph.inputs[0] as string) as Tensor).shape;
    const data = await datasetFromNpz(generated(dataFile), inputShape);
    const samples = Array.from({ length: 20 }, (_, i) => sampleOf(data, i * 7).slice());
    const interpreter = new ReferenceInterpreter(graph);
    const ours = samples.map((x) => interpreter.run([x])[0] as Float32Array);
    const reference = await ortOutputs(bytes, samples, inputShape);
    expect(maxAbsDiff(ours, reference)).toBeLessThan(tolerance);
  });
});
