import {
  bypassNode,
  consumerMap,
  type Graph,
  producerMap,
  pruneUnusedTensors,
  sortTopologically,
} from "../ir/graph.js";
import { type Node, type NodeOf, OPS } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { transposeConstant } from "./nchw-to-nhwc.js";
import type { Pass } from "./pass.js";

const compose = (first: number[], second: number[]) => second.map((p) => first[p] as number);
const isIdentity = (perm: number[]) => perm.every((p, i) => p === i);

/**
 * Moves Transposes past value-by-value ops (unary activations; Add/Sub/Mul whose other operand is a
 * constant of full rank or a scalar, or goes through the same Transpose), merges consecutive Transposes and
 * removes those that end up as the identity. Run after `nchwToNhwc`: the NHWC → NCHW → NHWC pairs it leaves
 * between layers disappear.
 */
export const sinkTransposes: Pass = {
  name: "sinkTransposes",
  run(graph) {
    let changed = false;
    for (let guard = 0; guard < 10_000; guard++) {
      if (!step(graph)) break;
      changed = true;
    }
    if (changed) pruneUnusedTensors(graph);
    return changed;
  },
};

function step(graph: Graph): boolean {
  const producers = producerMap(graph);
  const consumers = consumerMap(graph);
  const soleReader = (name: string) => (consumers.get(name) ?? []).length === 1 && !graph.outputs.includes(name);
  for (const node of graph.nodes) {
    if (node.op !== "Transpose") continue;
    const t = node as NodeOf<"Transpose">;
    const input = t.inputs[0] as string;
    // Identity permutation: drop it.
    if (isIdentity(t.attrs.perm) && !graph.outputs.includes(t.outputs[0] as string)) {
      bypassNode(graph, t);
      return true;
    }
    // Two Transposes in a row: merge into the second.
    const prev = producers.get(input);
    if (prev?.op === "Transpose" && soleReader(input)) {
      t.attrs.perm = compose((prev as NodeOf<"Transpose">).attrs.perm, t.attrs.perm);
      t.inputs = [prev.inputs[0] as string];
      graph.nodes = graph.nodes.filter((n) => n !== prev);
      graph.tensors.delete(input);
      return true;
    }
    // Transpose → elementwise op: apply the op first, transpose after.
    const out = t.outputs[0] as string;
    const readers = consumers.get(out) ?? [];
    if (readers.length !== 1 || graph.outputs.includes(out)) continue;
    const next = readers[0] as Node;
    if (OPS[next.op].elementwise === "unary") {
      swap(graph, t, next, [input]);
      return true;
    }
    if (OPS[next.op].elementwise === "binary" && next.inputs[0] !== next.inputs[1]) {
      const other = next.inputs.find((i) => i !== out) as string;
      const ot = graph.tensors.get(other) as Tensor;
      const inverse = t.attrs.perm.map((_, i) => t.attrs.perm.indexOf(i));
      const otherProducer = producers.get(other);
      const rank = t.attrs.perm.length;
      if (ot.data && ot.shape.length <= rank) {
        // Broadcasting aligns trailing dimensions: give the constant the full rank, then transpose it.
        const full = { ...ot, shape: [...new Array<number>(rank - ot.shape.length).fill(1), ...ot.shape] };
        if (ot.data.length !== 1) graph.tensors.set(other, transposeConstant(full, inverse));
        swap(
          graph,
          t,
          next,
          next.inputs.map((i) => (i === out ? input : other)),
        );
        return true;
      }
      if (
        otherProducer?.op === "Transpose" &&
        soleReader(other) &&
        (otherProducer as NodeOf<"Transpose">).attrs.perm.join() === t.attrs.perm.join()
      ) {
        const otherInput = otherProducer.inputs[0] as string;
        graph.nodes = graph.nodes.filter((n) => n !== otherProducer);
        graph.tensors.delete(other);
        swap(
          graph,
          t,
          next,
          next.inputs.map((i) => (i === out ? input : otherInput)),
        );
        return true;
      }
    }
  }
  return false;
}

/**
 * Rewrites `x → T → op → y` as `x → op → T → y`: the op reads `opInputs` (untransposed) and writes a new
 * tensor in the untransposed layout; the Transpose then writes the op's old output.
 */
function swap(graph: Graph, transpose: NodeOf<"Transpose">, op: Node, opInputs: string[]): void {
  const perm = transpose.attrs.perm;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const y = op.outputs[0] as string;
  const yt = graph.tensors.get(y) as Tensor;
  const mid = transpose.outputs[0] as string;
  // Reuse the Transpose's old output tensor for the op's untransposed output.
  graph.tensors.set(mid, { ...yt, name: mid, shape: inverse.map((p) => yt.shape[p] as number) });
  op.inputs = opInputs;
  op.outputs = [mid];
  transpose.inputs = [mid];
  transpose.outputs = [y];
  const i = graph.nodes.indexOf(transpose);
  const j = graph.nodes.indexOf(op);
  graph.nodes[i] = op;
  graph.nodes[j] = transpose;
  // The op may now read a tensor computed between the two positions.
  sortTopologically(graph);
}
