import { EngineError } from "../errors.js";
import { DTYPE_BYTES } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import { type Node, OPS } from "../ir/ops.js";
import { elementCount, type Tensor } from "../ir/tensor.js";
import type { BufferRequest, MemoryPlan, MemoryPlanner } from "./memory-planner.js";

/**
 * Where every run-time tensor of a graph lives in generated C, and how big the arena is.
 *
 * - The graph input is the caller's `input` buffer and the graph output the caller's `output` buffer: they are
 *   not copied into the arena (the caller owns them, as `tml_model_run(input, output)` says).
 * - Constants are `static const` arrays (flash), not in the arena.
 * - Every other tensor is an arena buffer alive from the op that writes it to the last op that reads it.
 * - In place: only ops that move no bytes run in place. `Reshape` (and a leftover `Identity`) outputs alias
 *   their input's bytes, so they cost no memory and no time. Every other op writes its output while still
 *   reading its input at other positions (convolution windows, pooling windows, softmax's max and sum passes),
 *   and the runtime's kernels require input and output not to overlap, so none runs in place. An alias that
 *   would join the caller's input and output buffers is not made: that Reshape copies (`tml_reshape_*`).
 * - Kernel scratch (`_get_buffer_size` bytes) is a buffer alive only during its op.
 *
 * The offsets come from a `MemoryPlanner` (greedy by size by default) at the runtime's alignment.
 */

type Storage =
  | { kind: "input" }
  | { kind: "output" }
  | { kind: "const" }
  | { kind: "arena"; offset: number; bytes: number };

export interface ArenaLayout {
  /** Storage of every tensor an op reads or writes. */
  storage: Map<string, Storage>;
  /** Aliasing ops that run as no-ops (their output shares the input's storage). */
  aliased: Set<Node>;
  /** Scratch of each op that needs one (arena offset and bytes). */
  scratch: Map<Node, { offset: number; bytes: number }>;
  arenaBytes: number;
  /** The buffers as planned (activations and scratch), for reports and tests. */
  buffers: (BufferRequest & { offset: number })[];
  planner: string;
}

const bytesOf = (t: Tensor) => elementCount(t.shape) * DTYPE_BYTES[t.dtype];

type Owner = { kind: "group"; root: string } | { kind: "scratch"; node: Node };
interface LiveGroup {
  names: string[];
  first: number;
  last: number;
  bytes: number;
}

export function planArena(
  graph: Graph,
  scratchBytes: (node: Node) => number,
  planner: MemoryPlanner,
  alignment: number,
): ArenaLayout {
  const output = graph.outputs[0] as string;
  const { find, aliased } = aliasViews(graph);
  const groups = liveGroups(graph, find);
  const storage = new Map<string, Storage>();
  const requests: BufferRequest[] = [];
  const owners: Owner[] = [];
  for (const [root, g] of groups) {
    const caller = callerBuffer(graph, g, find);
    if (caller) {
      for (const n of g.names) storage.set(n, { kind: caller });
      continue;
    }
    requests.push({ name: g.names[0] as string, bytes: g.bytes, firstUse: g.first, lastUse: g.last });
    owners.push({ kind: "group", root });
  }
  graph.nodes.forEach((node, step) => {
    const bytes = aliased.has(node) ? 0 : scratchBytes(node);
    if (bytes > 0) {
      requests.push({ name: `${node.name} (scratch)`, bytes, firstUse: step, lastUse: step });
      owners.push({ kind: "scratch", node });
    }
  });
  for (const [name, t] of graph.tensors) if (t.data !== undefined) storage.set(name, { kind: "const" });
  if (!storage.has(graph.inputs[0] as string)) storage.set(graph.inputs[0] as string, { kind: "input" });
  if (!storage.has(output)) {
    throw new EngineError("UNSUPPORTED_MODEL", `graph "${graph.name}": its output is not computed by any op`);
  }

  const plan: MemoryPlan = planner.plan(requests, alignment);
  const scratch = new Map<Node, { offset: number; bytes: number }>();
  owners.forEach((owner, i) => {
    const offset = plan.offsets[i] as number;
    const bytes = (requests[i] as BufferRequest).bytes;
    if (owner.kind === "scratch") scratch.set(owner.node, { offset, bytes });
    else for (const n of groups.get(owner.root)?.names ?? []) storage.set(n, { kind: "arena", offset, bytes });
  });
  return {
    storage,
    aliased,
    scratch,
    arenaBytes: plan.arenaBytes,
    buffers: requests.map((r, i) => ({ ...r, offset: plan.offsets[i] as number })),
    planner: planner.name,
  };
}

/**
 * Alias groups (union-find over tensor names): the output of a view op (Reshape, Identity) joins its input's
 * group, except where that would make the caller's input and output one buffer.
 */
function aliasViews(graph: Graph): { find: (name: string) => string; aliased: Set<Node> } {
  const input = graph.inputs[0] as string;
  const output = graph.outputs[0] as string;
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r)) r = parent.get(r) as string;
    return r;
  };
  const groupHas = (root: string, name: string) => find(name) === root;
  const aliased = new Set<Node>();
  for (const node of graph.nodes) {
    if (!OPS[node.op].view) continue; // same bytes: no kernel call when aliased
    const [from] = node.inputs;
    const [to] = node.outputs;
    if (!from || !to || graph.tensors.get(from)?.data !== undefined) continue;
    const a = find(from);
    const b = find(to);
    const external = (root: string) => [groupHas(root, input), groupHas(root, output)];
    const [aIn, aOut] = external(a);
    const [bIn, bOut] = external(b);
    if ((aIn || bIn) && (aOut || bOut)) continue; // would make the caller's input and output one buffer
    parent.set(b, a);
    aliased.add(node);
  }
  return { find, aliased };
}

/** Each alias group of run-time tensors: its names, the steps from its first to its last use, its bytes. */
function liveGroups(graph: Graph, find: (name: string) => string): Map<string, LiveGroup> {
  const groups = new Map<string, LiveGroup>();
  const touch = (name: string, step: number) => {
    if (!name || graph.tensors.get(name)?.data !== undefined) return;
    const root = find(name);
    const t = graph.tensors.get(name) as Tensor;
    const g = groups.get(root) ?? { names: [], first: step, last: step, bytes: 0 };
    if (!g.names.includes(name)) g.names.push(name);
    g.first = Math.min(g.first, step);
    g.last = Math.max(g.last, step);
    g.bytes = Math.max(g.bytes, bytesOf(t));
    groups.set(root, g);
  };
  graph.nodes.forEach((node, step) => {
    for (const name of [...node.inputs, ...node.outputs]) touch(name, step);
  });
  return groups;
}

/** The caller's buffer a group lives in (it holds the graph input or output), if any. */
function callerBuffer(graph: Graph, g: LiveGroup, find: (name: string) => string): "input" | "output" | undefined {
  const input = graph.inputs[0] as string;
  const output = graph.outputs[0] as string;
  if (g.names.some((n) => n === input || find(n) === find(input))) return "input";
  if (g.names.some((n) => n === output || find(n) === find(output))) return "output";
  return undefined;
}
