import type { Graph } from "../ir/graph.js";
import { checkShapeLimits, MODEL_LIMITS, overLimit } from "../ir/limits.js";
import { elementCount } from "../ir/tensor.js";
import { analyzeGraph } from "./analyze.js";

/**
 * The whole model within the engine's bounds (MODEL_LIMITS, ir/limits.ts): op and tensor counts, every tensor's
 * shape, the constants' values, the MACs of one inference and the peak activation memory. Both importers run it
 * last, so that an absurd model is refused (OVER_LIMITS) before analysis, quantization or code generation; the
 * counts come first, so that the costlier totals only run on a graph of sane size.
 */
export function checkModelLimits(graph: Graph): void {
  const subject = `the model "${graph.name}"`;
  if (graph.nodes.length > MODEL_LIMITS.ops) throw overLimit("ops", graph.nodes.length, subject);
  if (graph.tensors.size > MODEL_LIMITS.tensors) throw overLimit("tensors", graph.tensors.size, subject);
  let parameters = 0;
  for (const t of graph.tensors.values()) {
    checkShapeLimits(t.shape, `tensor "${t.name}" ([${t.shape.join(", ")}])`);
    if (t.data) parameters += elementCount(t.shape);
  }
  if (parameters > MODEL_LIMITS.parameters) throw overLimit("parameters", parameters, subject);
  const analysis = analyzeGraph(graph);
  if (analysis.macs > MODEL_LIMITS.macs) throw overLimit("macs", analysis.macs, subject);
  if (analysis.peakActivationBytes > MODEL_LIMITS.peakActivationBytes) {
    throw overLimit("peakActivationBytes", analysis.peakActivationBytes, subject);
  }
}
