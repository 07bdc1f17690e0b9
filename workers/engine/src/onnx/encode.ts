import { onnx } from "../../generated/onnx-pb.js";
import {
  ATTR,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxTensor,
  type OnnxValueInfo,
} from "./schema.js";

/**
 * The engine's ONNX objects → bytes, through the encoder generated from onnx.proto. The generated encoder
 * writes a proto2 optional field when it is set on the message and skips it otherwise, so each function here
 * sets exactly the fields a model needs. Fields come out in field-number order and repeated numbers unpacked,
 * as the onnx package itself serializes a model.
 */

export function encodeModel(model: OnnxModel): Uint8Array {
  const m: onnx.ModelProto.$Properties = {
    irVersion: model.irVersion,
    opsetImport: model.opsetImport.map((o) => ({ ...(o.domain ? { domain: o.domain } : {}), version: o.version })),
  };
  if (model.producerName) m.producerName = model.producerName;
  if (model.producerVersion) m.producerVersion = model.producerVersion;
  if (model.graph) m.graph = graphMessage(model.graph);
  return onnx.ModelProto.encode(m).finish();
}

export const encodeTensorBytes = (t: OnnxTensor): Uint8Array => onnx.TensorProto.encode(tensorMessage(t)).finish();

function graphMessage(g: OnnxGraph): onnx.GraphProto.$Properties {
  return {
    node: g.nodes.map((n) => ({
      input: n.inputs,
      output: n.outputs,
      ...(n.name ? { name: n.name } : {}),
      opType: n.opType,
      attribute: n.attributes.map(attributeMessage),
      ...(n.domain ? { domain: n.domain } : {}),
    })),
    name: g.name,
    initializer: g.initializers.map(tensorMessage),
    input: g.inputs.map(valueInfoMessage),
    output: g.outputs.map(valueInfoMessage),
    valueInfo: g.valueInfo.map(valueInfoMessage),
  };
}

/** The value field of each attribute type the engine writes (graphs it never writes). */
const ATTRIBUTE_VALUE: Partial<Record<number, (a: OnnxAttribute) => onnx.AttributeProto.$Properties>> = {
  [ATTR.FLOAT]: (a) => ({ f: a.f ?? 0 }),
  [ATTR.INT]: (a) => ({ i: a.i ?? 0 }),
  [ATTR.STRING]: (a) => ({ s: a.s ?? new Uint8Array() }),
  [ATTR.TENSOR]: (a) => (a.t ? { t: tensorMessage(a.t) } : {}),
  [ATTR.FLOATS]: (a) => ({ floats: a.floats }),
  [ATTR.INTS]: (a) => ({ ints: a.ints }),
  [ATTR.STRINGS]: (a) => ({ strings: a.strings }),
  [ATTR.TENSORS]: (a) => ({ tensors: a.tensors.map(tensorMessage) }),
};

function attributeMessage(a: OnnxAttribute): onnx.AttributeProto.$Properties {
  const value = ATTRIBUTE_VALUE[a.type];
  if (!value) throw new Error(`cannot write attribute "${a.name}" of type ${a.type}`);
  return { name: a.name, ...value(a), type: a.type };
}

function tensorMessage(t: OnnxTensor): onnx.TensorProto.$Properties {
  const m: onnx.TensorProto.$Properties = {
    dims: t.dims,
    dataType: t.dataType,
    floatData: t.floatData,
    int32Data: t.int32Data,
    // protobuf.js writes an int64 exactly from its decimal string (through Long).
    int64Data: t.int64Data.map((v) => v.toString() as unknown as number),
    externalData: t.externalData.map((e) => ({ key: e.key, value: e.value })),
  };
  if (t.name) m.name = t.name;
  if (t.rawData) m.rawData = t.rawData;
  if (t.dataLocation) m.dataLocation = t.dataLocation;
  return m;
}

function valueInfoMessage(v: OnnxValueInfo): onnx.ValueInfoProto.$Properties {
  if (!v.isTensor) return { name: v.name };
  const tensorType: onnx.TypeProto.Tensor.$Properties = {};
  if (v.elemType !== undefined) tensorType.elemType = v.elemType;
  if (v.shape) {
    tensorType.shape = {
      dim: v.shape.map((d) => ("value" in d ? { dimValue: d.value } : "param" in d ? { dimParam: d.param } : {})),
    };
  }
  return { name: v.name, type: { tensorType } };
}
