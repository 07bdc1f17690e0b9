import { CheckedBuffer, type CheckedTable } from "./checked-table.js";
import type { FieldOfKind, OptionField } from "./option-fields.js";
import {
  BUFFER,
  builtinCodeOf,
  METADATA,
  MODEL,
  OPERATOR,
  OPERATOR_CODE,
  OPTIONS_TABLES,
  type OptionsTable,
  type OptionValue,
  QUANTIZATION,
  SUBGRAPH,
  TENSOR,
} from "./schema.js";

/** A .tflite model as plain data: the parts of the schema the engine uses. */
export interface TfliteModel {
  version: number;
  description: string;
  operatorCodes: TfliteOperatorCode[];
  subgraphs: TfliteSubGraph[];
  buffers: TfliteBuffer[];
  metadata: TfliteMetadata[];
}

export interface TfliteOperatorCode {
  /** max(builtin_code, deprecated_builtin_code). */
  builtinCode: number;
  customCode: string | undefined;
  version: number;
}

export interface TfliteSubGraph {
  name: string;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

interface TfliteQuantization {
  min: number[];
  max: number[];
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
  /** A non-affine (custom) quantization is present. */
  hasDetails: boolean;
}

export interface TfliteTensor {
  name: string;
  shape: number[];
  /** -1 marks a dimension unknown until run time (the batch, usually). */
  shapeSignature: number[] | undefined;
  /** TensorType enum value. */
  type: number;
  buffer: number;
  quantization: TfliteQuantization | undefined;
  isVariable: boolean;
  hasSparsity: boolean;
}

export interface TfliteOperator {
  opcodeIndex: number;
  /** Tensor indices; -1 marks an absent optional input. */
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union tag (0: none). */
  builtinOptionsType: number;
  /** The decoded options table when the engine knows its type, by field name. */
  builtinOptions: Record<string, OptionValue> | undefined;
  customOptions: Uint8Array | undefined;
}

interface TfliteBuffer {
  /** A view into the file's bytes (no copy); empty when the buffer holds no data. */
  data: Uint8Array;
  /** Location of data stored outside the flatbuffer (models over 2 GB); 0 when unused. */
  offset: bigint;
  size: bigint;
}

interface TfliteMetadata {
  name: string;
  buffer: number;
}

/** Reads one options field of its kind, or its default when the table lacks it. */
type FieldReader<F extends OptionField> = (t: CheckedTable, field: F, name: string) => OptionValue;

const FIELD_READERS: { [K in OptionField["kind"]]: FieldReader<FieldOfKind<K>> } = {
  int8: (t, f, name) => t.int8(f.id, f.default, name),
  int32: (t, f, name) => t.int32(f.id, f.default, name),
  float32: (t, f, name) => t.float32(f.id, f.default, name),
  bool: (t, f, name) => t.bool(f.id, f.default, name),
  "int32[]": (t, f, name) => t.int32s(f.id, name),
};

const readOptions = (t: CheckedTable, table: OptionsTable): Record<string, OptionValue> => {
  const out: Record<string, OptionValue> = {};
  for (const [name, f] of Object.entries(table.fields)) {
    out[name] = (FIELD_READERS[f.kind] as FieldReader<OptionField>)(t, f, name);
  }
  return out;
};

function readQuantization(t: CheckedTable): TfliteQuantization {
  return {
    min: t.float32s(QUANTIZATION.min, "min") ?? [],
    max: t.float32s(QUANTIZATION.max, "max") ?? [],
    scale: t.float32s(QUANTIZATION.scale, "scale") ?? [],
    zeroPoint: t.int64s(QUANTIZATION.zeroPoint, "zero_point") ?? [],
    quantizedDimension: t.int32(QUANTIZATION.quantizedDimension, 0, "quantized_dimension"),
    hasDetails: t.uint8(QUANTIZATION.detailsType, 0, "details_type") !== 0,
  };
}

function readTensor(t: CheckedTable): TfliteTensor {
  const q = t.table(TENSOR.quantization, "quantization");
  return {
    name: t.string(TENSOR.name, "name") ?? "",
    shape: t.int32s(TENSOR.shape, "shape") ?? [],
    shapeSignature: t.int32s(TENSOR.shapeSignature, "shape_signature"),
    type: t.int8(TENSOR.type, 0, "type"),
    buffer: t.uint32(TENSOR.buffer, 0, "buffer"),
    quantization: q ? readQuantization(q) : undefined,
    isVariable: t.bool(TENSOR.isVariable, false, "is_variable"),
    hasSparsity: t.has(TENSOR.sparsity),
  };
}

function readOperator(t: CheckedTable): TfliteOperator {
  const builtinOptionsType = t.uint8(OPERATOR.builtinOptionsType, 0, "builtin_options_type");
  const table = OPTIONS_TABLES.get(builtinOptionsType);
  const options = table ? t.table(OPERATOR.builtinOptions, "builtin_options") : undefined;
  return {
    opcodeIndex: t.uint32(OPERATOR.opcodeIndex, 0, "opcode_index"),
    inputs: t.int32s(OPERATOR.inputs, "inputs") ?? [],
    outputs: t.int32s(OPERATOR.outputs, "outputs") ?? [],
    builtinOptionsType,
    builtinOptions: table && options ? readOptions(options, table) : undefined,
    customOptions: t.bytes(OPERATOR.customOptions, "custom_options"),
  };
}

function readSubGraph(t: CheckedTable): TfliteSubGraph {
  return {
    name: t.string(SUBGRAPH.name, "name") ?? "",
    tensors: (t.tables(SUBGRAPH.tensors, "tensors") ?? []).map(readTensor),
    inputs: t.int32s(SUBGRAPH.inputs, "inputs") ?? [],
    outputs: t.int32s(SUBGRAPH.outputs, "outputs") ?? [],
    operators: (t.tables(SUBGRAPH.operators, "operators") ?? []).map(readOperator),
  };
}

/**
 * Decodes a .tflite file. Every offset, vtable, vector and string is checked against the buffer before it is
 * used (see CheckedBuffer): a truncated or corrupted file gives a CORRUPT_MODEL EngineError. The result only
 * describes the file; whether the engine supports what it describes is the importer's business.
 */
export function readTflite(bytes: Uint8Array): TfliteModel {
  const buf = new CheckedBuffer(bytes);
  const model = buf.root("the model table");
  const operatorCodes = (model.tables(MODEL.operatorCodes, "operator_codes") ?? []).map(
    (c): TfliteOperatorCode => ({
      builtinCode: builtinCodeOf(
        c.int8(OPERATOR_CODE.deprecatedBuiltinCode, 0, "deprecated_builtin_code"),
        c.int32(OPERATOR_CODE.builtinCode, 0, "builtin_code"),
      ),
      customCode: c.string(OPERATOR_CODE.customCode, "custom_code"),
      version: c.int32(OPERATOR_CODE.version, 1, "version"),
    }),
  );
  return {
    version: model.uint32(MODEL.version, 0, "version"),
    description: model.string(MODEL.description, "description") ?? "",
    operatorCodes,
    subgraphs: (model.tables(MODEL.subgraphs, "subgraphs") ?? []).map(readSubGraph),
    buffers: (model.tables(MODEL.buffers, "buffers") ?? []).map(
      (b): TfliteBuffer => ({
        data: b.bytes(BUFFER.data, "data") ?? new Uint8Array(0),
        offset: b.uint64(BUFFER.offset, 0n, "offset"),
        size: b.uint64(BUFFER.size, 0n, "size"),
      }),
    ),
    metadata: (model.tables(MODEL.metadata, "metadata") ?? []).map(
      (m): TfliteMetadata => ({
        name: m.string(METADATA.name, "name") ?? "",
        buffer: m.uint32(METADATA.buffer, 0, "buffer"),
      }),
    ),
  };
}
