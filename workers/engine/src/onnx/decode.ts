import type Long from "long";
import { onnx } from "../../generated/onnx-pb.js";
import { EngineError } from "../errors.js";
import {
  ATTR,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from "./schema.js";

/**
 * Bytes → the engine's ONNX objects, through the decoder generated from onnx.proto.
 *
 * The generated decoder checks every length against what is left of its message before it slices or
 * allocates, refuses a varint longer than 10 bytes and an unknown wire type, and stops at protobuf.js's
 * recursion limit (100 nested messages, as protoc's), so a truncated or hostile file throws from inside it
 * rather than allocating or looping: each such throw becomes one CORRUPT_MODEL error here. The engine's own
 * limits (graph nesting here, constant sizes and external data in tensor-proto.ts) are checked on the
 * decoded messages.
 */

export const corrupt = (why: string): EngineError =>
  new EngineError(
    "CORRUPT_MODEL",
    `the ONNX file is not a valid protobuf model (${why}); it is truncated or corrupted: export it again`,
  );

/** Deepest nesting of graphs in attributes that the importer follows (If/Loop bodies); deeper is refused. */
const MAX_GRAPH_DEPTH = 16;

/** Runs a generated decoder; whatever it throws on bad bytes becomes CORRUPT_MODEL. */
function decodeWith<T>(decode: (bytes: Uint8Array) => T, bytes: Uint8Array): T {
  try {
    return decode(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw corrupt(why === "max depth exceeded" ? "messages are nested more than 100 deep" : why);
  }
}

export function decodeModel(bytes: Uint8Array): OnnxModel {
  const m = decodeWith((b) => onnx.ModelProto.decode(b), bytes);
  return {
    irVersion: int64(m.irVersion),
    opsetImport: m.opsetImport.map((o) => ({ domain: o.domain ?? "", version: int64(o.version ?? 0) })),
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    graph: m.graph ? graphOf(m.graph, 0) : undefined,
    functionCount: m.functions.length,
  };
}

/** Reads a serialized TensorProto (as in the model zoo's test_data_set_N/*.pb files). */
export const decodeTensorBytes = (bytes: Uint8Array): OnnxTensor =>
  tensorOf(decodeWith((b) => onnx.TensorProto.decode(b), bytes));

/** An int64 field: protobuf.js gives a Long when it does not fit in 32 bits. Exact below 2^53. */
const int64 = (v: number | Long): number => (typeof v === "number" ? v : v.toNumber());

const int64Big = (v: number | Long): bigint => (typeof v === "number" ? BigInt(v) : BigInt(v.toString()));

/** Whether an optional (proto2) field was on the wire: the decoder sets only those on the message itself. */
const present = (message: object, field: string): boolean => Object.hasOwn(message, field);

function graphOf(g: onnx.GraphProto.$Properties, depth: number): OnnxGraph {
  if (depth > MAX_GRAPH_DEPTH) throw corrupt(`graphs are nested more than ${MAX_GRAPH_DEPTH} deep`);
  return {
    name: g.name ?? "",
    nodes: (g.node ?? []).map((n) => nodeOf(n, depth)),
    initializers: (g.initializer ?? []).map(tensorOf),
    sparseInitializerCount: g.sparseInitializer?.length ?? 0,
    inputs: (g.input ?? []).map(valueInfoOf),
    outputs: (g.output ?? []).map(valueInfoOf),
    valueInfo: (g.valueInfo ?? []).map(valueInfoOf),
  };
}

function nodeOf(n: onnx.NodeProto.$Properties, depth: number): OnnxNode {
  return {
    name: n.name ?? "",
    opType: n.opType ?? "",
    domain: n.domain ?? "",
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attributes: (n.attribute ?? []).map((a) => attributeOf(a, depth)),
  };
}

function attributeOf(a: onnx.AttributeProto.$Properties, depth: number): OnnxAttribute {
  const out: OnnxAttribute = {
    name: a.name ?? "",
    type: a.type ?? ATTR.UNDEFINED,
    floats: a.floats ?? [],
    ints: (a.ints ?? []).map(int64),
    strings: a.strings ?? [],
    tensors: (a.tensors ?? []).map(tensorOf),
    graphCount: a.graphs?.length ?? 0,
  };
  if (present(a, "f")) out.f = a.f as number;
  if (present(a, "i")) out.i = int64(a.i as number | Long);
  if (present(a, "s")) out.s = a.s as Uint8Array;
  if (a.t) out.t = tensorOf(a.t);
  if (a.g) out.g = graphOf(a.g, depth + 1);
  if (present(a, "refAttrName")) out.refAttrName = a.refAttrName as string;
  if (out.type === ATTR.UNDEFINED) out.type = inferAttributeType(out);
  return out;
}

/** IR version 1 attributes carry no type: the one value field present says what it is. */
function inferAttributeType(a: OnnxAttribute): number {
  if (a.f !== undefined) return ATTR.FLOAT;
  if (a.i !== undefined) return ATTR.INT;
  if (a.s !== undefined) return ATTR.STRING;
  if (a.t !== undefined) return ATTR.TENSOR;
  if (a.g !== undefined) return ATTR.GRAPH;
  if (a.floats.length > 0) return ATTR.FLOATS;
  if (a.ints.length > 0) return ATTR.INTS;
  if (a.strings.length > 0) return ATTR.STRINGS;
  if (a.tensors.length > 0) return ATTR.TENSORS;
  if (a.graphCount > 0) return ATTR.GRAPHS;
  return ATTR.UNDEFINED;
}

function tensorOf(t: onnx.TensorProto.$Properties): OnnxTensor {
  const out: OnnxTensor = {
    name: t.name ?? "",
    dataType: t.dataType ?? 0,
    dims: (t.dims ?? []).map(int64),
    floatData: t.floatData ?? [],
    int32Data: t.int32Data ?? [],
    int64Data: (t.int64Data ?? []).map(int64Big),
    doubleData: t.doubleData ?? [],
    uint64Data: (t.uint64Data ?? []).map(int64),
    stringCount: t.stringData?.length ?? 0,
    dataLocation: t.dataLocation ?? 0,
    externalData: (t.externalData ?? []).map((e) => ({ key: e.key ?? "", value: e.value ?? "" })),
    hasSegment: t.segment !== undefined && t.segment !== null,
  };
  if (present(t, "rawData")) out.rawData = t.rawData as Uint8Array;
  return out;
}

function valueInfoOf(v: onnx.ValueInfoProto.$Properties): OnnxValueInfo {
  const tensorType = v.type?.tensorType;
  const info: OnnxValueInfo = { name: v.name ?? "", elemType: undefined, shape: undefined, isTensor: !!tensorType };
  if (!tensorType) return info;
  if (present(tensorType, "elemType")) info.elemType = tensorType.elemType as number;
  if (tensorType.shape) info.shape = (tensorType.shape.dim ?? []).map(dimOf);
  return info;
}

function dimOf(d: onnx.TensorShapeProto.Dimension.$Properties): OnnxDim {
  if (present(d, "dimValue")) return { value: int64(d.dimValue as number | Long) };
  if (present(d, "dimParam")) return { param: d.dimParam as string };
  return { unknown: true };
}
