import { EngineError } from "../errors.js";
import { DTYPE_BYTES } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
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

/** Ops whose output is the same bytes as their input (no kernel call when aliased). */
export const ALIASING_OPS: ReadonlySet<string> = new Set(["Reshape", "Identity"]);

export type Storage =
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

export function planArena(
  graph: Graph,
  scratchBytes: (node: Node) => number,
  planner: MemoryPlanner,
  alignment: number,
): ArenaLayout {
  const input = graph.inputs[0] as string;
  const output = graph.outputs[0] as string;
  const isConst = (name: string) => graph.tensors.get(name)?.data !== undefined;

  // Alias groups (union-find over tensor names).
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r)) r = parent.get(r) as string;
    return r;
  };
  const groupHas = (root: string, name: string) => find(name) === root;
  const aliased = new Set<Node>();
  for (const node of graph.nodes) {
    if (!ALIASING_OPS.has(node.op)) continue;
    const [from] = node.inputs;
    const [to] = node.outputs;
    if (!from || !to || isConst(from)) continue;
    const a = find(from);
    const b = find(to);
    const external = (root: string) => [groupHas(root, input), groupHas(root, output)];
    const [aIn, aOut] = external(a);
    const [bIn, bOut] = external(b);
    if ((aIn || bIn) && (aOut || bOut)) continue; // would make the caller's input and output one buffer
    parent.set(b, a);
    aliased.add(node);
  }

  const storage = new Map<string, Storage>();
  const groups = new Map<string, { names: string[]; first: number; last: number; bytes: number }>();
  const touch = (name: string, step: number) => {
    if (!name || isConst(name)) return;
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

  const requests: BufferRequest[] = [];
  const owners: ({ kind: "group"; root: string } | { kind: "scratch"; node: Node })[] = [];
  for (const [root, g] of groups) {
    if (g.names.some((n) => n === input || find(n) === find(input))) {
      for (const n of g.names) storage.set(n, { kind: "input" });
      continue;
    }
    if (g.names.some((n) => n === output || find(n) === find(output))) {
      for (const n of g.names) storage.set(n, { kind: "output" });
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
  for (const name of graph.tensors.keys()) if (isConst(name)) storage.set(name, { kind: "const" });
  if (!storage.has(input)) storage.set(input, { kind: "input" });
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
