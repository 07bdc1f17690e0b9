import { corrupt, ProtoReader, ProtoWriter, WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from "./proto.js";

/**
 * The ONNX messages the engine reads and writes (onnx/onnx.proto, field numbers as there), as plain objects.
 * Fields the engine does not use (doc strings, metadata, training info, sparse initializers, functions) are
 * skipped on reading; a model that depends on them is refused later by the importer with a clear message.
 */

export interface OnnxModel {
  irVersion: number;
  opsetImport: OnnxOpsetId[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph | undefined;
  /** Model-local functions are not supported; counted so the importer can say so. */
  functionCount: number;
}

export interface OnnxOpsetId {
  domain: string;
  version: number;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  sparseInitializerCount: number;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** AttributeProto.AttributeType */
export const ATTR = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

export interface OnnxAttribute {
  name: string;
  /** The declared type; for IR version 1 files (no type field) inferred from the field present. */
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  g?: OnnxGraph;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: OnnxTensor[];
  graphCount: number;
  refAttrName?: string;
}

/** TensorProto.DataType */
export const ONNX_DTYPE = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

export interface OnnxTensor {
  name: string;
  dataType: number;
  dims: number[];
  rawData?: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: bigint[];
  doubleData: number[];
  uint64Data: number[];
  stringCount: number;
  /** TensorProto.DataLocation: 0 DEFAULT, 1 EXTERNAL. */
  dataLocation: number;
  externalData: { key: string; value: string }[];
  hasSegment: boolean;
}

/** A dimension: a size, a symbolic name, or unknown. */
export type OnnxDim = { value: number } | { param: string } | { unknown: true };

export interface OnnxValueInfo {
  name: string;
  /** Tensor element type; undefined when the value is not a tensor (sequence, map…) or untyped. */
  elemType: number | undefined;
  /** undefined when the shape is not given (unknown rank). */
  shape: OnnxDim[] | undefined;
  isTensor: boolean;
}

/** Deepest nesting of graphs in attributes that the reader follows (If/Loop bodies); deeper is refused. */
const MAX_GRAPH_DEPTH = 16;

export function decodeModel(bytes: Uint8Array): OnnxModel {
  const r = new ProtoReader(bytes);
  const model: OnnxModel = {
    irVersion: 0,
    opsetImport: [],
    producerName: "",
    producerVersion: "",
    graph: undefined,
    functionCount: 0,
  };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, WIRE_VARINT, "ModelProto.ir_version");
        model.irVersion = r.int64();
        break;
      case 2:
        r.expect(wire, WIRE_LENGTH, "ModelProto.producer_name");
        model.producerName = r.string();
        break;
      case 3:
        r.expect(wire, WIRE_LENGTH, "ModelProto.producer_version");
        model.producerVersion = r.string();
        break;
      case 7:
        r.expect(wire, WIRE_LENGTH, "ModelProto.graph");
        model.graph = decodeGraph(r.message(), 0);
        break;
      case 8:
        r.expect(wire, WIRE_LENGTH, "ModelProto.opset_import");
        model.opsetImport.push(decodeOpset(r.message()));
        break;
      case 25:
        r.skip(wire);
        model.functionCount++;
        break;
      default:
        r.skip(wire);
    }
  }
  return model;
}

function decodeOpset(r: ProtoReader): OnnxOpsetId {
  const id: OnnxOpsetId = { domain: "", version: 0 };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LENGTH) id.domain = r.string();
    else if (field === 2 && wire === WIRE_VARINT) id.version = r.int64();
    else r.skip(wire);
  }
  return id;
}

export function decodeGraph(r: ProtoReader, depth: number): OnnxGraph {
  if (depth > MAX_GRAPH_DEPTH) throw corrupt(`graphs are nested more than ${MAX_GRAPH_DEPTH} deep`);
  const g: OnnxGraph = {
    name: "",
    nodes: [],
    initializers: [],
    sparseInitializerCount: 0,
    inputs: [],
    outputs: [],
    valueInfo: [],
  };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, WIRE_LENGTH, "GraphProto.node");
        g.nodes.push(decodeNode(r.message(), depth));
        break;
      case 2:
        r.expect(wire, WIRE_LENGTH, "GraphProto.name");
        g.name = r.string();
        break;
      case 5:
        r.expect(wire, WIRE_LENGTH, "GraphProto.initializer");
        g.initializers.push(decodeTensor(r.message()));
        break;
      case 11:
        r.expect(wire, WIRE_LENGTH, "GraphProto.input");
        g.inputs.push(decodeValueInfo(r.message()));
        break;
      case 12:
        r.expect(wire, WIRE_LENGTH, "GraphProto.output");
        g.outputs.push(decodeValueInfo(r.message()));
        break;
      case 13:
        r.expect(wire, WIRE_LENGTH, "GraphProto.value_info");
        g.valueInfo.push(decodeValueInfo(r.message()));
        break;
      case 15:
        r.skip(wire);
        g.sparseInitializerCount++;
        break;
      default:
        r.skip(wire);
    }
  }
  return g;
}

function decodeNode(r: ProtoReader, depth: number): OnnxNode {
  const n: OnnxNode = { name: "", opType: "", domain: "", inputs: [], outputs: [], attributes: [] };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, WIRE_LENGTH, "NodeProto.input");
        n.inputs.push(r.string());
        break;
      case 2:
        r.expect(wire, WIRE_LENGTH, "NodeProto.output");
        n.outputs.push(r.string());
        break;
      case 3:
        r.expect(wire, WIRE_LENGTH, "NodeProto.name");
        n.name = r.string();
        break;
      case 4:
        r.expect(wire, WIRE_LENGTH, "NodeProto.op_type");
        n.opType = r.string();
        break;
      case 5:
        r.expect(wire, WIRE_LENGTH, "NodeProto.attribute");
        n.attributes.push(decodeAttribute(r.message(), depth));
        break;
      case 7:
        r.expect(wire, WIRE_LENGTH, "NodeProto.domain");
        n.domain = r.string();
        break;
      default:
        r.skip(wire);
    }
  }
  return n;
}

function decodeAttribute(r: ProtoReader, depth: number): OnnxAttribute {
  const a: OnnxAttribute = {
    name: "",
    type: ATTR.UNDEFINED,
    floats: [],
    ints: [],
    strings: [],
    tensors: [],
    graphCount: 0,
  };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, WIRE_LENGTH, "AttributeProto.name");
        a.name = r.string();
        break;
      case 2:
        r.expect(wire, WIRE_FIXED32, "AttributeProto.f");
        a.f = r.float();
        break;
      case 3:
        r.expect(wire, WIRE_VARINT, "AttributeProto.i");
        a.i = r.int64();
        break;
      case 4:
        r.expect(wire, WIRE_LENGTH, "AttributeProto.s");
        a.s = r.bytesField();
        break;
      case 5:
        r.expect(wire, WIRE_LENGTH, "AttributeProto.t");
        a.t = decodeTensor(r.message());
        break;
      case 6:
        r.expect(wire, WIRE_LENGTH, "AttributeProto.g");
        a.g = decodeGraph(r.message(), depth + 1);
        break;
      case 7:
        r.repeated(wire, WIRE_FIXED32, (s) => s.float(), a.floats);
        break;
      case 8:
        r.repeated(wire, WIRE_VARINT, (s) => s.int64(), a.ints);
        break;
      case 9:
        r.expect(wire, WIRE_LENGTH, "AttributeProto.strings");
        a.strings.push(r.bytesField());
        break;
      case 10:
        r.expect(wire, WIRE_LENGTH, "AttributeProto.tensors");
        a.tensors.push(decodeTensor(r.message()));
        break;
      case 11:
        r.skip(wire);
        a.graphCount++;
        break;
      case 20:
        r.expect(wire, WIRE_VARINT, "AttributeProto.type");
        a.type = r.int32();
        break;
      case 21:
        r.expect(wire, WIRE_LENGTH, "AttributeProto.ref_attr_name");
        a.refAttrName = r.string();
        break;
      default:
        r.skip(wire);
    }
  }
  if (a.type === ATTR.UNDEFINED) a.type = inferAttributeType(a);
  return a;
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

export function decodeTensor(r: ProtoReader): OnnxTensor {
  const t: OnnxTensor = {
    name: "",
    dataType: 0,
    dims: [],
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
    uint64Data: [],
    stringCount: 0,
    dataLocation: 0,
    externalData: [],
    hasSegment: false,
  };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        r.repeated(wire, WIRE_VARINT, (s) => s.int64(), t.dims);
        break;
      case 2:
        r.expect(wire, WIRE_VARINT, "TensorProto.data_type");
        t.dataType = r.int32();
        break;
      case 3:
        r.skip(wire);
        t.hasSegment = true;
        break;
      case 4:
        r.repeated(wire, WIRE_FIXED32, (s) => s.float(), t.floatData);
        break;
      case 5:
        r.repeated(wire, WIRE_VARINT, (s) => s.int32(), t.int32Data);
        break;
      case 6:
        r.skip(wire);
        t.stringCount++;
        break;
      case 7:
        r.repeated(wire, WIRE_VARINT, (s) => s.int64Big(), t.int64Data);
        break;
      case 8:
        r.expect(wire, WIRE_LENGTH, "TensorProto.name");
        t.name = r.string();
        break;
      case 9:
        r.expect(wire, WIRE_LENGTH, "TensorProto.raw_data");
        t.rawData = r.bytesField();
        break;
      case 10:
        r.repeated(wire, WIRE_FIXED64, (s) => s.double(), t.doubleData);
        break;
      case 11:
        r.repeated(wire, WIRE_VARINT, (s) => s.uint64(), t.uint64Data);
        break;
      case 13: {
        r.expect(wire, WIRE_LENGTH, "TensorProto.external_data");
        t.externalData.push(decodeStringEntry(r.message()));
        break;
      }
      case 14:
        r.expect(wire, WIRE_VARINT, "TensorProto.data_location");
        t.dataLocation = r.int32();
        break;
      default:
        r.skip(wire);
    }
  }
  return t;
}

function decodeStringEntry(r: ProtoReader): { key: string; value: string } {
  const e = { key: "", value: "" };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LENGTH) e.key = r.string();
    else if (field === 2 && wire === WIRE_LENGTH) e.value = r.string();
    else r.skip(wire);
  }
  return e;
}

function decodeValueInfo(r: ProtoReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: "", elemType: undefined, shape: undefined, isTensor: false };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LENGTH) v.name = r.string();
    else if (field === 2 && wire === WIRE_LENGTH) decodeType(r.message(), v);
    else r.skip(wire);
  }
  return v;
}

/** TypeProto: only tensor_type (field 1) is read; other kinds leave `isTensor` false. */
function decodeType(r: ProtoReader, v: OnnxValueInfo): void {
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LENGTH) {
      v.isTensor = true;
      const tr = r.message();
      while (!tr.done) {
        const [f, w] = tr.tag();
        if (f === 1 && w === WIRE_VARINT) v.elemType = tr.int32();
        else if (f === 2 && w === WIRE_LENGTH) v.shape = decodeShape(tr.message());
        else tr.skip(w);
      }
    } else r.skip(wire);
  }
}

function decodeShape(r: ProtoReader): OnnxDim[] {
  const dims: OnnxDim[] = [];
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field !== 1 || wire !== WIRE_LENGTH) {
      r.skip(wire);
      continue;
    }
    const dr = r.message();
    let dim: OnnxDim = { unknown: true };
    while (!dr.done) {
      const [f, w] = dr.tag();
      if (f === 1 && w === WIRE_VARINT) dim = { value: dr.int64() };
      else if (f === 2 && w === WIRE_LENGTH) dim = { param: dr.string() };
      else dr.skip(w);
    }
    dims.push(dim);
  }
  return dims;
}

/** Reads a serialized TensorProto (as in the model zoo's test_data_set_N/*.pb files). */
export const decodeTensorBytes = (bytes: Uint8Array): OnnxTensor => decodeTensor(new ProtoReader(bytes));

// ---------------------------------------------------------------------------------------------- writing

export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  if (model.producerName) w.string(2, model.producerName);
  if (model.producerVersion) w.string(3, model.producerVersion);
  const graph = model.graph;
  if (graph) w.message(7, (g) => encodeGraph(g, graph));
  for (const o of model.opsetImport) {
    w.message(8, (m) => {
      if (o.domain) m.string(1, o.domain);
      m.int(2, o.version);
    });
  }
  return w.finish();
}

function encodeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (m) => encodeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => encodeTensor(m, t));
  for (const v of g.inputs) w.message(11, (m) => encodeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => encodeValueInfo(m, v));
  for (const v of g.valueInfo) w.message(13, (m) => encodeValueInfo(m, v));
}

function encodeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes) w.message(5, (m) => encodeAttribute(m, a));
  if (n.domain) w.string(7, n.domain);
}

function encodeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  switch (a.type) {
    case ATTR.FLOAT:
      w.float(2, a.f ?? 0);
      break;
    case ATTR.INT:
      w.int(3, a.i ?? 0);
      break;
    case ATTR.STRING:
      w.bytes(4, a.s ?? new Uint8Array());
      break;
    case ATTR.TENSOR:
      if (a.t) {
        const t = a.t;
        w.message(5, (m) => encodeTensor(m, t));
      }
      break;
    case ATTR.FLOATS:
      w.packedFloats(7, a.floats);
      break;
    case ATTR.INTS:
      w.packedInts(8, a.ints);
      break;
    case ATTR.STRINGS:
      for (const s of a.strings) w.bytes(9, s);
      break;
    case ATTR.TENSORS:
      for (const t of a.tensors) w.message(10, (m) => encodeTensor(m, t));
      break;
    default:
      throw new Error(`cannot write attribute "${a.name}" of type ${a.type}`);
  }
  w.int(20, a.type);
}

export function encodeTensor(w: ProtoWriter, t: OnnxTensor): void {
  w.packedInts(1, t.dims);
  w.int(2, t.dataType);
  w.packedFloats(4, t.floatData);
  w.packedInts(5, t.int32Data);
  w.packedInts(7, t.int64Data);
  if (t.name) w.string(8, t.name);
  if (t.rawData) w.bytes(9, t.rawData);
  for (const e of t.externalData) {
    w.message(13, (m) => {
      m.string(1, e.key);
      m.string(2, e.value);
    });
  }
  if (t.dataLocation) w.int(14, t.dataLocation);
}

export const encodeTensorBytes = (t: OnnxTensor): Uint8Array => {
  const w = new ProtoWriter();
  encodeTensor(w, t);
  return w.finish();
};

function encodeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  if (!v.isTensor) return;
  w.message(2, (tp) =>
    tp.message(1, (tt) => {
      if (v.elemType !== undefined) tt.int(1, v.elemType);
      const shape = v.shape;
      if (shape) {
        tt.message(2, (sp) => {
          for (const d of shape) {
            sp.message(1, (dp) => {
              if ("value" in d) dp.int(1, d.value);
              else if ("param" in d) dp.string(2, d.param);
            });
          }
        });
      }
    }),
  );
}

/** A tensor message with no data fields set; fill one. */
export const emptyTensor = (name: string, dataType: number, dims: number[]): OnnxTensor => ({
  name,
  dataType,
  dims,
  floatData: [],
  int32Data: [],
  int64Data: [],
  doubleData: [],
  uint64Data: [],
  stringCount: 0,
  dataLocation: 0,
  externalData: [],
  hasSegment: false,
});

/** An attribute with only its name and type; fill the value. */
export const attribute = (name: string, type: number, value: Partial<OnnxAttribute>): OnnxAttribute => ({
  name,
  type,
  floats: [],
  ints: [],
  strings: [],
  tensors: [],
  graphCount: 0,
  ...value,
});
