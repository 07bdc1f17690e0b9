import { EngineError } from "../errors.js";
import type { Node } from "./ops.js";
import type { Tensor } from "./tensor.js";

/**
 * A model: tensors by name and nodes in execution order (every node after the producers of its inputs).
 * Graph inputs and outputs are tensor names.
 */
export interface Graph {
  name: string;
  tensors: Map<string, Tensor>;
  nodes: Node[];
  inputs: string[];
  outputs: string[];
}

/** The tensor named `name`; an INVALID_GRAPH error if there is none. */
export function tensorOf(graph: Graph, name: string): Tensor {
  const t = graph.tensors.get(name);
  if (!t) throw new EngineError("INVALID_GRAPH", `graph "${graph.name}" has no tensor "${name}"`);
  return t;
}

/** Node producing each tensor. */
export function producerMap(graph: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const node of graph.nodes) for (const out of node.outputs) m.set(out, node);
  return m;
}

/** Nodes consuming each tensor (a node appears once per input slot that names the tensor). */
export function consumerMap(graph: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input === "") continue;
      const list = m.get(input);
      if (list) list.push(node);
      else m.set(input, [node]);
    }
  }
  return m;
}

/** A tensor or node name not yet used in the graph, derived from `base`. */
export function uniqueName(graph: Graph, base: string): string {
  const taken = new Set([...graph.tensors.keys(), ...graph.nodes.map((n) => n.name)]);
  if (!taken.has(base)) return base;
  for (let i = 1; ; i++) {
    const candidate = `${base}_${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Adds a tensor; its name must be new. */
export function addTensor(graph: Graph, tensor: Tensor): Tensor {
  if (graph.tensors.has(tensor.name)) {
    throw new EngineError("INVALID_GRAPH", `tensor "${tensor.name}" already exists in graph "${graph.name}"`);
  }
  graph.tensors.set(tensor.name, tensor);
  return tensor;
}

/** Replaces every use of tensor `from` (node inputs and graph outputs) by `to`. */
export function replaceUses(graph: Graph, from: string, to: string): void {
  for (const node of graph.nodes) node.inputs = node.inputs.map((i) => (i === from ? to : i));
  graph.outputs = graph.outputs.map((o) => (o === from ? to : o));
}

/** Removes a single-input, single-output node whose output equals its input: readers read the input. */
export function bypassNode(graph: Graph, node: Node): void {
  const input = node.inputs[0] as string;
  const output = node.outputs[0] as string;
  graph.nodes = graph.nodes.filter((n) => n !== node);
  replaceUses(graph, output, input);
  graph.tensors.delete(output);
}

/** Drops tensors that no node, input or output refers to. */
export function pruneUnusedTensors(graph: Graph): void {
  const used = new Set<string>([...graph.inputs, ...graph.outputs]);
  for (const node of graph.nodes) for (const n of [...node.inputs, ...node.outputs]) if (n) used.add(n);
  for (const name of [...graph.tensors.keys()]) if (!used.has(name)) graph.tensors.delete(name);
}

/** Drops nodes whose outputs nothing uses (repeatedly), then unused tensors. */
export function removeDeadNodes(graph: Graph): void {
  for (;;) {
    const used = new Set<string>(graph.outputs);
    for (const node of graph.nodes) for (const i of node.inputs) if (i) used.add(i);
    const before = graph.nodes.length;
    graph.nodes = graph.nodes.filter((node) => node.outputs.some((o) => used.has(o)));
    if (graph.nodes.length === before) break;
  }
  pruneUnusedTensors(graph);
}

/**
 * Orders nodes so that every node comes after the producers of its inputs (Kahn's algorithm, stable: among
 * ready nodes the earlier one in the current order goes first). A cycle is an INVALID_GRAPH error.
 */
export function sortTopologically(graph: Graph): void {
  const producers = producerMap(graph);
  const indegree = new Map<Node, number>();
  const dependents = new Map<Node, Node[]>();
  for (const node of graph.nodes) {
    const deps = new Set(node.inputs.map((i) => producers.get(i)).filter((p): p is Node => p !== undefined));
    indegree.set(node, deps.size);
    for (const dep of deps) dependents.set(dep, [...(dependents.get(dep) ?? []), node]);
  }
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  const ready = graph.nodes.filter((n) => indegree.get(n) === 0);
  const sorted: Node[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
    const node = ready.shift() as Node;
    sorted.push(node);
    for (const d of dependents.get(node) ?? []) {
      const left = (indegree.get(d) as number) - 1;
      indegree.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  if (sorted.length !== graph.nodes.length) {
    const stuck = graph.nodes.filter((n) => !sorted.includes(n)).map((n) => n.name);
    throw new EngineError("INVALID_GRAPH", `graph "${graph.name}" has a cycle through: ${stuck.join(", ")}`);
  }
  graph.nodes = sorted;
}

/** A deep copy: tensors (constant data copied), nodes and attributes. */
export function cloneGraph(graph: Graph): Graph {
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of graph.tensors) {
    tensors.set(name, {
      ...t,
      shape: [...t.shape],
      ...(t.data ? { data: t.data.slice() } : {}),
      ...(t.quant ? { quant: { ...t.quant, scale: [...t.quant.scale], zeroPoint: [...t.quant.zeroPoint] } } : {}),
    });
  }
  return {
    name: graph.name,
    tensors,
    nodes: graph.nodes.map((n) => structuredClone(n)),
    inputs: [...graph.inputs],
    outputs: [...graph.outputs],
  };
}
