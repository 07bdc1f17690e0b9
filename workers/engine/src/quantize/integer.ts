import { EngineError } from "../errors.js";
import { cloneGraph, type Graph } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { quantRuleOf, unsupportedOps } from "./op-rules.js";
import type { ActivationBits } from "./params.js";
import type { ConstantsContext } from "./quant-rule.js";
import { activationParameters } from "./shared-params.js";
import { assignWidths, type PrecisionPlan } from "./widths.js";

export type { PrecisionPlan } from "./widths.js";

/**
 * Quantizes a float NHWC graph following the TFLite integer specification: activations per tensor (int8
 * asymmetric, or int16 symmetric per the plan), weights int8 symmetric per output channel, biases int32
 * (int64 for 16-bit activations) with scale = input scale × weight scale. `ranges` holds the calibrated real
 * range of every activation. Each op is treated by its rule (`QUANT_RULES`); the stages:
 * 1. widths: every activation's width, with Quantize nodes where a node reads another width (`assignWidths`);
 * 2. parameters: one set per group of tensors that TFLM requires to share them (`activationParameters`);
 * 3. constants: each node's rule quantizes its constant operands (weights and bias, or like activations);
 * 4. float constants that nothing reads any more are dropped.
 */
export function quantizeInteger(
  float: Graph,
  ranges: ReadonlyMap<string, [number, number]>,
  plan: PrecisionPlan,
): Graph {
  const unsupported = unsupportedOps(float);
  if (unsupported.length > 0) {
    throw new EngineError("UNSUPPORTED_OPS", `integer quantization does not support ${unsupported.join(", ")} yet`, {
      ops: unsupported,
    });
  }
  const graph = cloneGraph(float);
  const bitsOf = assignWidths(graph, plan);
  const params = activationParameters(graph, bitsOf, ranges);
  for (const [name, bits] of bitsOf) {
    const t = graph.tensors.get(name) as Tensor;
    t.dtype = bits === 16 ? "int16" : "int8";
    t.quant = params.get(name);
  }
  const quantizedWeights = new Set<string>();
  for (const node of graph.nodes) {
    const ctx: ConstantsContext = {
      graph,
      bits: bitsOf.get(node.outputs[0] as string) as ActivationBits,
      quantizedWeights,
    };
    quantRuleOf(node.op).quantizeConstants(node, ctx);
  }
  dropUnreadConstants(graph);
  return graph;
}

function dropUnreadConstants(graph: Graph): void {
  const used = new Set(graph.nodes.flatMap((n) => n.inputs));
  for (const [name, t] of [...graph.tensors]) if (t.data && !used.has(name)) graph.tensors.delete(name);
}
