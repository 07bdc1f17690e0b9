import { bypassNode, consumerMap, type Graph, producerMap, pruneUnusedTensors } from "../ir/graph.js";
import type { NodeOf } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import type { Pass } from "./pass.js";

/** A permutation that keeps the order of every dimension larger than 1 moves no data: it is a reshape. */
const movesNoData = (shape: readonly number[], perm: readonly number[]): boolean => {
  const order = perm.filter((p) => (shape[p] as number) > 1);
  return order.every((p, i) => i === 0 || p > (order[i - 1] as number));
};

/**
 * Turns Transposes that move no data into Reshapes, merges chains of Reshapes, and removes Reshapes to the
 * shape their input already has. (ONNX exports of NHWC models start with such reshapes and transposes.)
 */
export const simplifyReshapes: Pass = {
  name: "simplifyReshapes",
  run(graph) {
    let changed = false;
    for (const node of graph.nodes) {
      if (node.op !== "Transpose") continue;
      const input = graph.tensors.get(node.inputs[0] as string) as Tensor;
      const output = graph.tensors.get(node.outputs[0] as string) as Tensor;
      if (!movesNoData(input.shape, node.attrs.perm)) continue;
      Object.assign(node, { op: "Reshape", attrs: { shape: [...output.shape] } });
      changed = true;
    }
    for (let guard = 0; guard < 1000 && step(graph); guard++) changed = true;
    if (changed) pruneUnusedTensors(graph);
    return changed;
  },
};

function step(graph: Graph): boolean {
  const producers = producerMap(graph);
  const consumers = consumerMap(graph);
  for (const node of graph.nodes) {
    if (node.op !== "Reshape") continue;
    const reshape = node as NodeOf<"Reshape">;
    const input = reshape.inputs[0] as string;
    const output = reshape.outputs[0] as string;
    const inShape = (graph.tensors.get(input) as Tensor).shape;
    const outShape = (graph.tensors.get(output) as Tensor).shape;
    if (inShape.join() === outShape.join() && !graph.outputs.includes(output)) {
      bypassNode(graph, reshape);
      return true;
    }
    const prev = producers.get(input);
    if (prev?.op === "Reshape" && (consumers.get(input) ?? []).length === 1 && !graph.outputs.includes(input)) {
      reshape.inputs = [prev.inputs[0] as string];
      graph.nodes = graph.nodes.filter((n) => n !== prev);
      graph.tensors.delete(input);
      return true;
    }
  }
  return false;
}
