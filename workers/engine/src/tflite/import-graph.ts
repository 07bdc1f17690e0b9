import { EngineError } from "../errors.js";
import { cloneGraph, type Graph, removeDeadNodes } from "../ir/graph.js";
import { inferShapes } from "../ir/shape-inference.js";
import type { Tensor } from "../ir/tensor.js";
import { verifyGraph } from "../ir/verify.js";
import { OpContext } from "./import-context.js";
import { importerOf } from "./import-registry.js";
import { TensorImporter } from "./import-tensors.js";
import type { TfliteModel, TfliteSubGraph } from "./reader.js";
import { builtinName } from "./schema.js";

/** Nodes are named <op>_<position>, never the name of a tensor (files name tensors like "Reshape_1"). */
function nameNodes(graph: Graph): void {
  const taken = new Set(graph.tensors.keys());
  for (const [i, node] of graph.nodes.entries()) {
    let name = `${node.op}_${i}`;
    for (let k = 1; taken.has(name); k++) name = `${node.op}_${i}_${k}`;
    taken.add(name);
    node.name = name;
  }
}

/** The graph must satisfy the IR's invariants, and shape inference must give back the file's shapes. */
function checkGraph(tensors: TensorImporter): void {
  const { graph } = tensors;
  try {
    verifyGraph(graph);
    const inferred = cloneGraph(graph);
    inferShapes(inferred);
    for (const node of graph.nodes) {
      for (const out of node.outputs) {
        const fileShape = graph.tensors.get(out)?.shape ?? [];
        const shape = inferred.tensors.get(out)?.shape ?? [];
        // An empty shape in the file means "unknown rank": take the inferred one.
        if (fileShape.length === 0) (graph.tensors.get(out) as Tensor).shape = [...shape];
        else if (fileShape.join(",") !== shape.join(",")) {
          tensors.corrupt(
            `${node.op} "${node.name}" gives "${out}" the shape [${shape}], the file says [${fileShape}]`,
          );
        }
      }
    }
  } catch (e) {
    if (e instanceof EngineError && e.code === "INVALID_GRAPH") {
      tensors.corrupt(`its graph is inconsistent: ${e.message}`);
    }
    throw e;
  }
}

/**
 * Builds one IR graph from the primary subgraph of a decoded model, in stages: the inputs, each operator
 * through its importer (import-registry.ts) in file order, the outputs; then dead nodes are removed, nodes
 * named by position, and the graph checked against the file's shapes.
 */
export function buildGraph(model: TfliteModel, subgraph: TfliteSubGraph, name: string, fileSize: number): Graph {
  const tensors = new TensorImporter(model, subgraph, name, fileSize);
  const { graph } = tensors;
  graph.inputs = subgraph.inputs.map((i) => tensors.tensorName(i));
  for (const [index, op] of subgraph.operators.entries()) {
    const opName = builtinName(model.operatorCodes[op.opcodeIndex]?.builtinCode ?? -1);
    const ctx = new OpContext(tensors, op, index, opName);
    const node = importerOf(opName)(ctx);
    graph.nodes.push(...ctx.before, node);
  }
  graph.outputs = subgraph.outputs.map((i) => tensors.tensorName(i));
  // Ops whose results became attributes (a DEQUANTIZE of a float16 pad value) compute nothing anymore.
  removeDeadNodes(graph);
  nameNodes(graph);
  checkGraph(tensors);
  return graph;
}
