import { addTensor, type Graph, uniqueName } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { quantRuleOf } from "./op-rules.js";
import type { ActivationBits } from "./params.js";

/** Activation width of each node (by name); nodes absent from the plan use `defaultBits`. */
export interface PrecisionPlan {
  defaultBits: ActivationBits;
  bits?: ReadonlyMap<string, ActivationBits>;
}

/** A tensor computed at run time (not a constant, not an absent optional input). */
export const isActivation = (graph: Graph, name: string): boolean =>
  name !== "" && !(graph.tensors.get(name) as Tensor).data;

/**
 * The width of every activation tensor: a node whose rule keeps its input's parameters follows its input,
 * the others follow the plan; graph inputs take the width of their first reader. Where a node reads an
 * activation of another width, a Quantize node inserted before it converts the activation (the graph is
 * changed in place). Returns activation tensor → width.
 */
export function assignWidths(graph: Graph, plan: PrecisionPlan): Map<string, ActivationBits> {
  const bitsOf = new Map<string, ActivationBits>();
  const nodeBits = (node: Node): ActivationBits => plan.bits?.get(node.name) ?? plan.defaultBits;
  for (const input of graph.inputs) {
    const reader = graph.nodes.find((n) => n.inputs.includes(input));
    bitsOf.set(input, reader ? nodeBits(reader) : plan.defaultBits);
  }
  for (const node of [...graph.nodes]) {
    const inputBits = node.inputs.filter((i) => isActivation(graph, i)).map((i) => bitsOf.get(i) as ActivationBits);
    const bits = quantRuleOf(node.op).params === "input" ? (inputBits[0] ?? plan.defaultBits) : nodeBits(node);
    node.inputs = node.inputs.map((name) => {
      if (!isActivation(graph, name) || bitsOf.get(name) === bits) return name;
      const converted = requantizeBefore(graph, node, name, bits);
      bitsOf.set(converted, bits);
      return converted;
    });
    for (const o of node.outputs) bitsOf.set(o, bits);
  }
  return bitsOf;
}

/** Inserts a Quantize node before `node` that converts activation `name` to `bits`; returns its output. */
function requantizeBefore(graph: Graph, node: Node, name: string, bits: ActivationBits): string {
  const t = graph.tensors.get(name) as Tensor;
  const converted = addTensor(graph, {
    name: uniqueName(graph, `${name}_i${bits}`),
    dtype: t.dtype,
    shape: [...t.shape],
  });
  const requantize: Node = {
    name: uniqueName(graph, `${node.name}_requantize`),
    op: "Quantize",
    inputs: [name],
    outputs: [converted.name],
    attrs: {},
  };
  graph.nodes.splice(graph.nodes.indexOf(node), 0, requantize);
  return converted.name;
}
