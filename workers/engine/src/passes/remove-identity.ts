import { bypassNode } from "../ir/graph.js";
import type { Pass } from "./pass.js";

/** Removes Identity nodes (ONNX Identity, Dropout at inference): their readers read the input directly. */
export const removeIdentity: Pass = {
  name: "removeIdentity",
  run(graph) {
    let changed = false;
    for (const node of [...graph.nodes]) {
      if (node.op !== "Identity") continue;
      const [input] = node.inputs as [string];
      const [output] = node.outputs as [string];
      // An identity from a graph input straight to a graph output is the whole path: keep it.
      if (graph.inputs.includes(input) && graph.outputs.includes(output)) continue;
      bypassNode(graph, node);
      changed = true;
    }
    return changed;
  },
};
