/**
 * Our description of the parts of the TensorFlow Lite flatbuffer schema (tensorflow/lite/schema/schema.fbs,
 * schema version 3) that the importer and exporter use: the field ids of each table (a field's vtable slot is
 * 4 + 2 × id), the enums, and the options tables of the supported ops with their defaults. Ids and enum values
 * are those of the published schema: a file written by the TensorFlow converter is read through them, and a file
 * we write is read by TFLite and TFLite Micro through theirs. schema.test.ts checks every id, enum value, union
 * tag, scalar kind and default here against TensorFlow's generated schema (testdata/dump_schema.py).
 */

export const TFLITE_SCHEMA_VERSION = 3;
/** The flatbuffer file identifier of .tflite files (bytes 4..8). */
export const TFLITE_FILE_IDENTIFIER = "TFL3";

/** Byte offset of field `id` in a table's vtable. */
export const vtableSlot = (id: number): number => 4 + 2 * id;

/** table Model */
export const MODEL = {
  version: 0,
  operatorCodes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadataBuffer: 5,
  metadata: 6,
  signatureDefs: 7,
} as const;

/** table SubGraph */
export const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 } as const;

/** table Tensor */
export const TENSOR = {
  shape: 0,
  type: 1,
  buffer: 2,
  name: 3,
  quantization: 4,
  isVariable: 5,
  sparsity: 6,
  shapeSignature: 7,
  hasRank: 8,
  variantTensors: 9,
} as const;

/** table QuantizationParameters */
export const QUANTIZATION = {
  min: 0,
  max: 1,
  scale: 2,
  zeroPoint: 3,
  detailsType: 4,
  details: 5,
  quantizedDimension: 6,
} as const;

/** table Buffer. `offset` and `size` locate data outside the flatbuffer (models over 2 GB). */
export const BUFFER = { data: 0, offset: 1, size: 2 } as const;

/** table Metadata */
export const METADATA = { name: 0, buffer: 1 } as const;

/** table OperatorCode. The builtin code is the larger of the two code fields (see `builtinCodeOf`). */
export const OPERATOR_CODE = { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 } as const;

/** table Operator */
export const OPERATOR = {
  opcodeIndex: 0,
  inputs: 1,
  outputs: 2,
  builtinOptionsType: 3,
  builtinOptions: 4,
  customOptions: 5,
  customOptionsFormat: 6,
  mutatingVariableInputs: 7,
  intermediates: 8,
  largeCustomOptionsOffset: 9,
  largeCustomOptionsSize: 10,
  builtinOptions2Type: 11,
  builtinOptions2: 12,
} as const;

/**
 * OperatorCode holds the builtin code twice: `deprecated_builtin_code` (int8, the only field before codes
 * outgrew 127) and `builtin_code` (int32). Writers fill both (the deprecated one saturated at 127,
 * PLACEHOLDER_FOR_GREATER_OP_CODES); readers take the larger, as TFLite's GetBuiltinCode does.
 */
export const builtinCodeOf = (deprecatedBuiltinCode: number, builtinCode: number): number =>
  Math.max(deprecatedBuiltinCode, builtinCode);
export const DEPRECATED_CODE_LIMIT = 127;

/** enum TensorType */
export const TENSOR_TYPE = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
  FLOAT64: 10,
  COMPLEX128: 11,
  UINT64: 12,
  RESOURCE: 13,
  VARIANT: 14,
  UINT32: 15,
  UINT16: 16,
  INT4: 17,
  BFLOAT16: 18,
  INT2: 19,
  UINT4: 20,
} as const;
export const TENSOR_TYPE_NAMES: readonly string[] = Object.keys(TENSOR_TYPE);

/** enum Padding */
export const PADDING = { SAME: 0, VALID: 1 } as const;

/** enum ActivationFunctionType */
export const ACTIVATION = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;

/** enum FullyConnectedOptionsWeightsFormat */
export const FC_WEIGHTS_FORMAT = { DEFAULT: 0, SHUFFLED4x16INT8: 1 } as const;

/** enum BuiltinOperator: the name of each code, indexed by code. */
// biome-ignore format: one enum, kept dense
export const BUILTIN_OPERATOR_NAMES: readonly string[] = [
  "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE",
  "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D",
  "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1",
  "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS",
  "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER",
  "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
  "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT",
  "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS",
  "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV",
  "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT", "SHAPE", "POW",
  "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND",
  "LOGICAL_NOT", "UNPACK", "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD",
  "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE",
  "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG",
  "QUANTIZE", "MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4",
  "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL",
  "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D", "CONV_3D", "IMAG", "REAL",
  "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE", "REDUCE_ALL",
  "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL",
  "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1",
  "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN",
  "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT", "STABLEHLO_LOGISTIC", "STABLEHLO_ADD", "STABLEHLO_DIVIDE",
  "STABLEHLO_MULTIPLY", "STABLEHLO_MAXIMUM", "STABLEHLO_RESHAPE", "STABLEHLO_CLAMP", "STABLEHLO_CONCATENATE",
  "STABLEHLO_BROADCAST_IN_DIM", "STABLEHLO_CONVOLUTION", "STABLEHLO_SLICE", "STABLEHLO_CUSTOM_CALL",
  "STABLEHLO_REDUCE", "STABLEHLO_ABS", "STABLEHLO_AND", "STABLEHLO_COSINE", "STABLEHLO_EXPONENTIAL",
  "STABLEHLO_FLOOR", "STABLEHLO_LOG", "STABLEHLO_MINIMUM", "STABLEHLO_NEGATE", "STABLEHLO_OR", "STABLEHLO_POWER",
  "STABLEHLO_REMAINDER", "STABLEHLO_RSQRT", "STABLEHLO_SELECT", "STABLEHLO_SUBTRACT", "STABLEHLO_TANH",
  "STABLEHLO_SCATTER", "STABLEHLO_COMPARE", "STABLEHLO_CONVERT", "STABLEHLO_DYNAMIC_SLICE",
  "STABLEHLO_DYNAMIC_UPDATE_SLICE", "STABLEHLO_PAD", "STABLEHLO_IOTA", "STABLEHLO_DOT_GENERAL",
  "STABLEHLO_REDUCE_WINDOW", "STABLEHLO_SORT", "STABLEHLO_WHILE", "STABLEHLO_GATHER", "STABLEHLO_TRANSPOSE",
  "DILATE", "STABLEHLO_RNG_BIT_GENERATOR", "REDUCE_WINDOW", "STABLEHLO_COMPOSITE", "STABLEHLO_SHIFT_LEFT",
  "STABLEHLO_CBRT", "STABLEHLO_CASE",
];

/** The builtin operators the engine maps to its IR, by name → code. */
export const BUILTIN = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU_N1_TO_1: 20,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  TANH: 28,
  CALL: 31,
  CUSTOM: 32,
  PAD: 34,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  PADV2: 60,
  QUANTIZE: 114,
  IF: 118,
  WHILE: 119,
  CALL_ONCE: 129,
} as const;
export type BuiltinName = keyof typeof BUILTIN;

/** Builtin operators that run other subgraphs: control flow, refused by the importer. */
export const CONTROL_FLOW_OPS: ReadonlySet<string> = new Set([
  "IF",
  "WHILE",
  "CALL",
  "CALL_ONCE",
  "STABLEHLO_WHILE",
  "STABLEHLO_CASE",
  "STABLEHLO_COMPOSITE",
]);

/** A builtin code's name, or `BUILTIN_<code>` for a code newer than this description. */
export const builtinName = (code: number): string => BUILTIN_OPERATOR_NAMES[code] ?? `BUILTIN_${code}`;

// ---------------------------------------------------------------------------------------------------------
// Options tables (union BuiltinOptions): each a list of fields with their id, scalar kind and default.

type OptionField =
  | { readonly id: number; readonly kind: "int8" | "int32" | "float32"; readonly default: number }
  | { readonly id: number; readonly kind: "bool"; readonly default: boolean }
  | { readonly id: number; readonly kind: "int32[]" };

export interface OptionsTable {
  readonly name: string;
  /** The table's tag in the BuiltinOptions union. */
  readonly unionType: number;
  readonly fields: Readonly<Record<string, OptionField>>;
}

type FieldValue<F> = F extends { kind: "bool" }
  ? boolean
  : F extends { kind: "int32[]" }
    ? number[] | undefined
    : number;
/** The decoded values of an options table. */
export type OptionsOf<T extends OptionsTable> = { -readonly [K in keyof T["fields"]]: FieldValue<T["fields"][K]> };
export type OptionValue = number | boolean | number[] | undefined;

const int8 = (id: number, dflt = 0) => ({ id, kind: "int8", default: dflt }) as const;
const int32 = (id: number, dflt = 0) => ({ id, kind: "int32", default: dflt }) as const;
const float32 = (id: number, dflt = 0) => ({ id, kind: "float32", default: dflt }) as const;
const bool = (id: number, dflt = false) => ({ id, kind: "bool", default: dflt }) as const;
const int32s = (id: number) => ({ id, kind: "int32[]" }) as const;

export const CONV_2D_OPTIONS = {
  name: "Conv2DOptions",
  unionType: 1,
  fields: {
    padding: int8(0),
    strideW: int32(1),
    strideH: int32(2),
    fusedActivationFunction: int8(3),
    dilationWFactor: int32(4, 1),
    dilationHFactor: int32(5, 1),
    quantizedBiasType: int8(6),
  },
} as const satisfies OptionsTable;

export const DEPTHWISE_CONV_2D_OPTIONS = {
  name: "DepthwiseConv2DOptions",
  unionType: 2,
  fields: {
    padding: int8(0),
    strideW: int32(1),
    strideH: int32(2),
    depthMultiplier: int32(3),
    fusedActivationFunction: int8(4),
    dilationWFactor: int32(5, 1),
    dilationHFactor: int32(6, 1),
  },
} as const satisfies OptionsTable;

export const POOL_2D_OPTIONS = {
  name: "Pool2DOptions",
  unionType: 5,
  fields: {
    padding: int8(0),
    strideW: int32(1),
    strideH: int32(2),
    filterWidth: int32(3),
    filterHeight: int32(4),
    fusedActivationFunction: int8(5),
  },
} as const satisfies OptionsTable;

export const FULLY_CONNECTED_OPTIONS = {
  name: "FullyConnectedOptions",
  unionType: 8,
  fields: {
    fusedActivationFunction: int8(0),
    weightsFormat: int8(1),
    keepNumDims: bool(2),
    asymmetricQuantizeInputs: bool(3),
    quantizedBiasType: int8(4),
  },
} as const satisfies OptionsTable;

export const SOFTMAX_OPTIONS = {
  name: "SoftmaxOptions",
  unionType: 9,
  fields: { beta: float32(0) },
} as const satisfies OptionsTable;

export const CONCATENATION_OPTIONS = {
  name: "ConcatenationOptions",
  unionType: 10,
  fields: { axis: int32(0), fusedActivationFunction: int8(1) },
} as const satisfies OptionsTable;

export const ADD_OPTIONS = {
  name: "AddOptions",
  unionType: 11,
  fields: { fusedActivationFunction: int8(0), potScaleInt16: bool(1, true) },
} as const satisfies OptionsTable;

export const RESHAPE_OPTIONS = {
  name: "ReshapeOptions",
  unionType: 17,
  fields: { newShape: int32s(0) },
} as const satisfies OptionsTable;

export const MUL_OPTIONS = {
  name: "MulOptions",
  unionType: 21,
  fields: { fusedActivationFunction: int8(0) },
} as const satisfies OptionsTable;

export const PAD_OPTIONS = { name: "PadOptions", unionType: 22, fields: {} } as const satisfies OptionsTable;

export const TRANSPOSE_OPTIONS = {
  name: "TransposeOptions",
  unionType: 26,
  fields: {},
} as const satisfies OptionsTable;

/** ReducerOptions: MEAN (and SUM, REDUCE_MAX, ...). */
export const REDUCER_OPTIONS = {
  name: "ReducerOptions",
  unionType: 27,
  fields: { keepDims: bool(0) },
} as const satisfies OptionsTable;

export const SUB_OPTIONS = {
  name: "SubOptions",
  unionType: 28,
  fields: { fusedActivationFunction: int8(0), potScaleInt16: bool(1, true) },
} as const satisfies OptionsTable;

const DEQUANTIZE_OPTIONS = {
  name: "DequantizeOptions",
  unionType: 38,
  fields: {},
} as const satisfies OptionsTable;

export const PADV2_OPTIONS = { name: "PadV2Options", unionType: 43, fields: {} } as const satisfies OptionsTable;

const QUANTIZE_OPTIONS = { name: "QuantizeOptions", unionType: 89, fields: {} } as const satisfies OptionsTable;

/** The options tables the engine reads and writes, by their BuiltinOptions union tag. */
export const OPTIONS_TABLES: ReadonlyMap<number, OptionsTable> = new Map(
  [
    CONV_2D_OPTIONS,
    DEPTHWISE_CONV_2D_OPTIONS,
    POOL_2D_OPTIONS,
    FULLY_CONNECTED_OPTIONS,
    SOFTMAX_OPTIONS,
    CONCATENATION_OPTIONS,
    ADD_OPTIONS,
    RESHAPE_OPTIONS,
    MUL_OPTIONS,
    PAD_OPTIONS,
    TRANSPOSE_OPTIONS,
    REDUCER_OPTIONS,
    SUB_OPTIONS,
    DEQUANTIZE_OPTIONS,
    PADV2_OPTIONS,
    QUANTIZE_OPTIONS,
  ].map((t): [number, OptionsTable] => [t.unionType, t]),
);
