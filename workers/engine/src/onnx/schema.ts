import { onnx } from "../../generated/onnx-pb.js";

/**
 * The ONNX messages as the engine sees them: plain objects with int64s as numbers (bigints for int64 tensor
 * data), defaults filled in, and only the fields the engine reads. `decode.ts` makes them from the protobuf
 * messages generated from proto/onnx.proto (generated/onnx-pb.js), `encode.ts` writes them back through it.
 * Fields the engine does not use (doc strings, metadata, training info) are dropped on reading; features it
 * does not handle (sparse initializers, functions, segments, string data) are counted so that the importer
 * can refuse a model that depends on them with a clear message.
 */

export interface OnnxModel {
  irVersion: number;
  opsetImport: OnnxOpsetId[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph | undefined;
  /**
   * How many model-local functions the file defines: the engine does not expand them (a node that calls one is
   * refused as an op of the function's domain).
   */
  functionCount: number;
}

interface OnnxOpsetId {
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

/** AttributeProto.AttributeType, as generated from onnx.proto. */
export const ATTR = onnx.AttributeProto.AttributeType;

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

/** TensorProto.DataType, as generated from onnx.proto. */
export const ONNX_DTYPE = onnx.TensorProto.DataType;

/** The name of an ONNX element type (FLOAT, INT8…) for messages; `type N` for a code onnx.proto does not name. */
export const onnxDTypeName = (code: number): string =>
  Object.entries(ONNX_DTYPE).find(([, v]) => v === code)?.[0] ?? `type ${code}`;

/** The element type named `name` (as early opsets wrote Cast's `to`), or undefined. */
export const onnxDTypeNamed = (name: string): number | undefined =>
  Object.hasOwn(ONNX_DTYPE, name) ? (ONNX_DTYPE as unknown as Record<string, number>)[name] : undefined;

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
