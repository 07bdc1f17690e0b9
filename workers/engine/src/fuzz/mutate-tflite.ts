import { isEngineError } from "../errors.js";
import { cloneGraph, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { ExportPlan, type OpExporter } from "../tflite/export-plan.js";
import { EXPORTERS } from "../tflite/export-registry.js";
import { serialize } from "../tflite/export-serialize.js";
import type { Rng } from "./rng.js";

/**
 * Structure-aware damage to a TFLite model: an IR graph (a real model's, or a synthesized one) whose numbers are
 * made hostile (input dimensions, strides, dilations, explicit paddings, pool windows, reshape targets, axes,
 * quantization parameters, dtypes), then written by the engine's own TFLite writer without its checks, so that
 * the file is a well-formed flatbuffer a hostile user could have made. Computed tensors mostly lose their shape
 * (an unknown rank in TFLite's terms), so that the importer derives what the numbers imply.
 */
type GraphMutation = (g: Graph, rng: Rng) => void;

const activations = (g: Graph): Tensor[] => [...g.tensors.values()].filter((t) => !t.data);
const hostile = (rng: Rng, sane: number): number => (rng.chance(0.7) ? rng.interesting() : sane);

function hostileInput(g: Graph, rng: Rng): void {
  const t = g.tensors.get(rng.pick(g.inputs));
  if (!t || t.shape.length === 0) return;
  t.shape[rng.int(t.shape.length)] = hostile(rng, rng.range(1, 4096));
  if (rng.chance(0.1)) t.shape.push(rng.interesting());
}

function hostileAttributes(g: Graph, rng: Rng): void {
  const node = rng.pick(g.nodes) as Node | undefined;
  if (!node) return;
  const a = node.attrs as unknown as Record<string, unknown>;
  const pair = () => [hostile(rng, rng.range(1, 4)), hostile(rng, rng.range(1, 4))];
  const key = rng.pick(Object.keys(a));
  if (key === undefined) return;
  const value = a[key];
  if (key === "padding") a[key] = rng.chance(0.5) ? rng.pick(["same", "valid"]) : [...pair(), ...pair()];
  else if (key === "pads") a[key] = (value as number[][]).map(() => pair());
  else if (Array.isArray(value))
    a[key] = value.map((v) => (typeof v === "number" && rng.chance(0.6) ? hostile(rng, v) : v));
  else if (typeof value === "number")
    a[key] = rng.chance(0.5) ? rng.interesting() : rng.pick([Number.NaN, -1, 0, 1e30]);
  else if (typeof value === "boolean") a[key] = !value;
}

function hostileQuantization(g: Graph, rng: Rng): void {
  const t = rng.pick([...g.tensors.values()].filter((x) => x.quant));
  if (!t?.quant) return;
  const which = rng.int(3);
  if (which === 0) t.quant.scale = t.quant.scale.map(() => rng.pick([0, -1, Number.NaN, 1e-45, 1e38, 3.4e38]));
  else if (which === 1) t.quant.zeroPoint = t.quant.zeroPoint.map(() => rng.interesting());
  else t.quant.axis = rng.interesting();
}

function hostileTensor(g: Graph, rng: Rng): void {
  const t = rng.pick([...g.tensors.values()]);
  if (!t) return;
  if (rng.chance(0.5)) t.dtype = rng.pick(["float32", "float16", "int8", "uint8", "int16", "int32", "int64", "bool"]);
  else if (t.shape.length > 0) t.shape[rng.int(t.shape.length)] = hostile(rng, rng.range(0, 16));
}

function rewired(g: Graph, rng: Rng): void {
  const node = rng.pick(g.nodes);
  if (!node) return;
  const names = [...g.tensors.keys()];
  if (rng.chance(0.5) && node.inputs.length > 0) node.inputs[rng.int(node.inputs.length)] = rng.pick(names);
  else g.nodes = rng.chance(0.5) ? g.nodes.filter((n) => n !== node) : [...g.nodes, { ...node }];
}

const MUTATIONS: readonly (readonly [number, GraphMutation])[] = [
  [3, hostileInput],
  [4, hostileAttributes],
  [1, hostileQuantization],
  [1, hostileTensor],
  [1, rewired],
];

/**
 * The engine's TFLite writer without the checks `exportTflite` runs first (verify, shapes): the plan, each node
 * through its exporter, serialization.
 */
export function writeTfliteUnchecked(graph: Graph): Uint8Array {
  const plan = new ExportPlan(graph);
  for (const name of graph.inputs) plan.index(name);
  for (const node of graph.nodes) {
    const exporter = EXPORTERS[node.op] as OpExporter<typeof node.op> | undefined;
    if (exporter) plan.ops.push(...exporter(node as never, plan));
  }
  for (const name of graph.outputs) plan.index(name);
  return serialize(plan, graph);
}

/**
 * A structurally damaged TFLite file made from `graph` (NHWC, as after the engine's passes). Damage that TFLite
 * has no way to write (the writer refuses it: a float16 Pad with a fill value) is drawn again, up to three times,
 * then the graph is written undamaged.
 */
export function mutateTfliteGraph(graph: Graph, rng: Rng): Uint8Array {
  for (let attempt = 0; attempt < 3; attempt++) {
    const g = cloneGraph(graph);
    for (let k = rng.range(1, 3); k > 0; k--) rng.weighted(MUTATIONS)(g, rng);
    if (rng.chance(0.8)) {
      const inputs = new Set(g.inputs);
      for (const t of activations(g)) if (!inputs.has(t.name)) t.shape = [];
    }
    try {
      return writeTfliteUnchecked(g);
    } catch (e) {
      if (!isEngineError(e)) throw e;
    }
  }
  return writeTfliteUnchecked(graph);
}
