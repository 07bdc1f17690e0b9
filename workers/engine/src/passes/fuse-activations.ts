import { consumerMap, producerMap, replaceUses } from "../ir/graph.js";
import { ACTIVATION_OPS, type Activation, FUSABLE_ACTIVATION_OPS, isOp, type Node, OPS } from "../ir/ops.js";
import type { Pass } from "./pass.js";

/** The fused activation a standalone activation node stands for, if any (Clip only where it matches). */
function activationOf(node: Node): Exclude<Activation, "none"> | undefined {
  if (!isOp(node, "Clip")) return OPS[node.op].activation;
  const { min, max } = node.attrs;
  if (min === 0 && max === 6) return "relu6";
  if (min === 0 && max === Number.POSITIVE_INFINITY) return "relu";
  if (min === -1 && max === 1) return "relu_n1_to_1";
  return undefined;
}

/**
 * Canonicalises Clip to Relu / Relu6 / ReluN1To1 where it matches, then fuses an activation into the op
 * before it (TFLite's fused_activation_function) when that op can carry one, carries none yet, and its
 * output is read by the activation alone.
 */
export const fuseActivations: Pass = {
  name: "fuseActivations",
  run(graph) {
    let changed = false;
    for (const node of graph.nodes) {
      if (node.op !== "Clip") continue;
      const act = activationOf(node);
      if (!act) continue;
      Object.assign(node, { op: ACTIVATION_OPS[act], attrs: {} });
      changed = true;
    }
    const producers = producerMap(graph);
    const consumers = consumerMap(graph);
    for (const node of [...graph.nodes]) {
      const activation = activationOf(node);
      if (!activation) continue;
      const input = node.inputs[0] as string;
      const producer = producers.get(input);
      if (!producer || !FUSABLE_ACTIVATION_OPS.has(producer.op)) continue;
      const attrs = producer.attrs as { activation?: Activation };
      if (attrs.activation !== "none") continue;
      if ((consumers.get(input) ?? []).length !== 1 || graph.outputs.includes(input)) continue;
      attrs.activation = activation;
      const output = node.outputs[0] as string;
      graph.nodes = graph.nodes.filter((n) => n !== node);
      producer.outputs = [output];
      graph.tensors.delete(input);
      replaceUses(graph, input, output);
      changed = true;
    }
    return changed;
  },
};
