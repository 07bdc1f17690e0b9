import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import type { QuantParams } from "../ir/tensor.js";
import { fixedOutputParams, quantRuleOf } from "./op-rules.js";
import { type ActivationBits, activationParams } from "./params.js";
import { isActivation } from "./widths.js";

/**
 * The parameters of every activation tensor. Tensors that TFLM requires to share parameters (the input and
 * output of an op that keeps its input's quantization; all inputs and the output of a concatenation), when of
 * the same width, form a group (union-find) that gets the union of their calibrated ranges, or the fixed
 * parameters of an op with a known output range that produces one of them.
 */
export function activationParameters(
  graph: Graph,
  bitsOf: ReadonlyMap<string, ActivationBits>,
  ranges: ReadonlyMap<string, [number, number]>,
): Map<string, QuantParams> {
  const { find, union } = unionFind();
  for (const node of graph.nodes) {
    const output = node.outputs[0] as string;
    const shared = (name: string) => bitsOf.get(name) === bitsOf.get(output) && union(name, output);
    const rule = quantRuleOf(node.op).params;
    if (rule === "input") shared(node.inputs[0] as string);
    if (rule === "union") for (const i of node.inputs) if (isActivation(graph, i)) shared(i);
  }
  const groupRange = new Map<string, [number, number]>();
  const groupFixed = new Map<string, QuantParams>();
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  for (const [name, bits] of bitsOf) {
    const root = find(name);
    const [lo, hi] = calibratedRange(ranges, name);
    const g = groupRange.get(root);
    groupRange.set(root, g ? [Math.min(g[0], lo), Math.max(g[1], hi)] : [lo, hi]);
    const producer = producers.get(name);
    const fixed = producer ? fixedOutputParams(producer.op, bits) : undefined;
    if (fixed) groupFixed.set(root, fixed);
  }
  const params = new Map<string, QuantParams>();
  for (const [name, bits] of bitsOf) {
    const root = find(name);
    const [lo, hi] = groupRange.get(root) as [number, number];
    params.set(name, groupFixed.get(root) ?? activationParams(lo, hi, bits));
  }
  return params;
}

/** The calibrated range of a tensor; a requantized copy (`x_i16`, `x_i8_2`) has its source's. */
function calibratedRange(ranges: ReadonlyMap<string, [number, number]>, name: string): [number, number] {
  const r = ranges.get(name) ?? ranges.get(name.replace(/_i(8|16)(_\d+)?$/, ""));
  if (!r) throw new EngineError("INVALID_GRAPH", `no calibrated range for tensor "${name}"`);
  return r;
}

function unionFind() {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    const p = parent.get(x) ?? x;
    if (p === x) return x;
    const root = find(p);
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  return { find, union };
}
