import { onnx } from "../../generated/onnx-pb.js";
import { mutateBytes } from "./mutate-bytes.js";
import type { Rng } from "./rng.js";

/**
 * Structure-aware damage to an ONNX model, on the messages generated from onnx.proto: a well-formed protobuf
 * whose numbers are hostile (the Conv `pads` of 2^31), whose shape constants and input dimensions are
 * absurd, whose nodes read the wrong values or name another op. Declared output shapes are mostly dropped, so
 * that the importer computes what the numbers imply instead of refusing a mismatch first.
 */
type Model = onnx.ModelProto;
type Graph = onnx.GraphProto.$Properties;
type Node = onnx.NodeProto.$Properties;
type Attribute = onnx.AttributeProto.$Properties;

const ATTR = onnx.AttributeProto.AttributeType;
const WINDOW_ATTRIBUTES = ["pads", "strides", "dilations", "kernel_shape", "output_padding"];
const OPS = [
  "Conv",
  "MaxPool",
  "AveragePool",
  "Gemm",
  "MatMul",
  "Relu",
  "Add",
  "Mul",
  "Reshape",
  "Transpose",
  "Concat",
  "Pad",
  "Softmax",
  "Flatten",
  "GlobalAveragePool",
  "BatchNormalization",
  "Clip",
  "Sigmoid",
  "ConstantOfShape",
  "Expand",
  "Tile",
  "Slice",
  "Gather",
  "Squeeze",
  "Unsqueeze",
  "Cast",
  "Range",
  "Shape",
  "Split",
  "ReduceMean",
  "Identity",
];

const nodesOf = (g: Graph): Node[] => g.node ?? [];

/** A random node's attribute with integers, set to interesting values (one or all of them). */
function hostileAttribute(g: Graph, rng: Rng): void {
  const node = rng.pick(nodesOf(g));
  if (!node) return;
  node.attribute ??= [];
  const window = rng.chance(0.5);
  let a: Attribute | undefined = window
    ? node.attribute.find((x) => WINDOW_ATTRIBUTES.includes(x.name ?? ""))
    : rng.pick(node.attribute);
  if (!a) {
    a = { name: rng.pick(WINDOW_ATTRIBUTES), type: ATTR.INTS, ints: [1, 1, 1, 1] };
    node.attribute.push(a);
  }
  if (a.ints && a.ints.length > 0) {
    const ints = a.ints.map(Number);
    if (rng.chance(0.5)) ints.fill(rng.interesting());
    else ints[rng.int(ints.length)] = rng.interesting();
    a.ints = ints;
  } else if (a.type === ATTR.FLOAT || a.f !== undefined) {
    a.f = rng.pick([Number.NaN, Number.POSITIVE_INFINITY, -1e38, 0, 1e-45]);
  } else {
    a.i = rng.interesting();
  }
  if (rng.chance(0.05)) a.type = rng.int(16);
}

/** A graph input's dimension, or an integer initializer's values (shape constants), made hostile. */
function hostileShape(g: Graph, rng: Rng): void {
  const integer = (g.initializer ?? []).filter((t) => (t.int64Data?.length ?? 0) > 0 || t.dataType === 7);
  if (integer.length > 0 && rng.chance(0.5)) {
    const t = rng.pick(integer);
    const values = (t.int64Data ?? []).map(Number);
    if (values.length > 0) values[rng.int(values.length)] = rng.interesting();
    t.int64Data = values;
    t.rawData = new Uint8Array(0);
    if (rng.chance(0.2)) t.dims = [values.length];
    return;
  }
  const input = rng.pick(g.input ?? []);
  const dims = input?.type?.tensorType?.shape?.dim;
  if (!dims || dims.length === 0) return;
  const d = rng.pick(dims);
  if (rng.chance(0.9)) d.dimValue = rng.interesting();
  else d.dimParam = "n";
  if (rng.chance(0.1)) dims.push({ dimValue: rng.interesting() });
}

/** An initializer whose dims, type or data disagree. */
function damagedInitializer(g: Graph, rng: Rng): void {
  const t = rng.pick(g.initializer ?? []);
  if (!t) return;
  const which = rng.int(4);
  if (which === 0 && t.dims && t.dims.length > 0) t.dims[rng.int(t.dims.length)] = rng.interesting();
  else if (which === 1) t.dataType = rng.int(26);
  else if (which === 2 && t.rawData && t.rawData.length > 0)
    t.rawData = t.rawData.subarray(0, rng.int(t.rawData.length));
  else t.dims = [...(t.dims ?? []), rng.range(1, 4)];
}

/** Nodes that read the wrong values, name another op, or disappear. */
function rewiredNode(g: Graph, rng: Rng): void {
  const nodes = nodesOf(g);
  const node = rng.pick(nodes);
  if (!node) return;
  const values = nodes.flatMap((n) => n.output ?? []).concat((g.input ?? []).map((v) => v.name ?? ""));
  const which = rng.int(5);
  if (which === 0) node.opType = rng.pick(OPS);
  else if (which === 1 && node.input && node.input.length > 0)
    node.input[rng.int(node.input.length)] = rng.pick(values);
  else if (which === 2) g.node = nodes.filter((n) => n !== node);
  else if (which === 3) g.node = [...nodes, { ...node, name: `${node.name ?? ""}_again` }];
  else node.input = [...(node.input ?? []), rng.chance(0.5) ? rng.pick(values) : ""];
}

const MUTATIONS: readonly (readonly [number, (g: Graph, rng: Rng) => void])[] = [
  [4, hostileAttribute],
  [3, hostileShape],
  [1, damagedInitializer],
  [2, rewiredNode],
];

/** A structurally damaged copy of an ONNX model (or a byte-damaged one when the model does not decode). */
export function mutateOnnx(bytes: Uint8Array, rng: Rng): Uint8Array {
  let model: Model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    return mutateBytes(bytes, rng);
  }
  const g = model.graph;
  if (!g) return mutateBytes(bytes, rng);
  for (let k = rng.range(1, 3); k > 0; k--) rng.weighted(MUTATIONS)(g, rng);
  if (rng.chance(0.05)) model.opsetImport = [{ domain: "", version: rng.range(0, 30) }];
  if (rng.chance(0.8)) {
    for (const o of g.output ?? []) if (o.type?.tensorType) o.type.tensorType.shape = null;
    g.valueInfo = [];
  }
  try {
    return onnx.ModelProto.encode(model).finish();
  } catch {
    return mutateBytes(bytes, rng);
  }
}
