import { Builder } from "flatbuffers";
import { EngineError } from "../errors.js";
import { bytesOfData, type DType, type TensorData } from "../ir/dtype.js";
import { cloneGraph, type Graph, tensorOf } from "../ir/graph.js";
import type { Activation, Node, NodeOf, OpType, Padding, PoolAttrs } from "../ir/ops.js";
import { inferShapes, samePadding } from "../ir/shape-inference.js";
import type { QuantParams, Tensor } from "../ir/tensor.js";
import { verifyGraph } from "../ir/verify.js";
import { opVersion } from "./op-version.js";
import {
  ACTIVATION,
  ADD_OPTIONS,
  BUFFER,
  BUILTIN,
  type BuiltinName,
  CONCATENATION_OPTIONS,
  CONV_2D_OPTIONS,
  DEPRECATED_CODE_LIMIT,
  DEPTHWISE_CONV_2D_OPTIONS,
  FULLY_CONNECTED_OPTIONS,
  MODEL,
  MUL_OPTIONS,
  OPERATOR,
  OPERATOR_CODE,
  type OptionsTable,
  type OptionValue,
  PAD_OPTIONS,
  PADDING,
  PADV2_OPTIONS,
  POOL_2D_OPTIONS,
  QUANTIZATION,
  REDUCER_OPTIONS,
  RESHAPE_OPTIONS,
  SOFTMAX_OPTIONS,
  SUB_OPTIONS,
  SUBGRAPH,
  TENSOR,
  TENSOR_TYPE,
  TFLITE_FILE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
  TRANSPOSE_OPTIONS,
} from "./schema.js";

const TENSOR_TYPE_OF_DTYPE: Record<DType, number> = {
  float32: TENSOR_TYPE.FLOAT32,
  float16: TENSOR_TYPE.FLOAT16,
  int8: TENSOR_TYPE.INT8,
  uint8: TENSOR_TYPE.UINT8,
  int16: TENSOR_TYPE.INT16,
  int32: TENSOR_TYPE.INT32,
  int64: TENSOR_TYPE.INT64,
  bool: TENSOR_TYPE.BOOL,
};

const ACTIVATION_CODES: Record<Activation, number> = {
  none: ACTIVATION.NONE,
  relu: ACTIVATION.RELU,
  relu_n1_to_1: ACTIVATION.RELU_N1_TO_1,
  relu6: ACTIVATION.RELU6,
  tanh: ACTIVATION.TANH,
};

/** TFLM reads constant data in place: each buffer starts on a 16-byte boundary (as the converter aligns them). */
const BUFFER_ALIGNMENT = 16;

/** One TFLite operator to write. */
interface PlannedOp {
  builtin: BuiltinName;
  inputs: number[];
  outputs: number[];
  options?: { table: OptionsTable; values: Record<string, OptionValue> };
}

/** A graph being lowered to TFLite's tensors and operators. */
class ExportPlan {
  readonly tensors: Tensor[] = [];
  readonly ops: PlannedOp[] = [];
  private readonly indices = new Map<string, number>();
  private readonly names = new Set<string>();

  constructor(readonly graph: Graph) {
    for (const name of graph.tensors.keys()) this.names.add(name);
  }

  /** The TFLite index of IR tensor `name` (-1 for an absent optional input). */
  index(name: string): number {
    if (name === "") return -1;
    const known = this.indices.get(name);
    if (known !== undefined) return known;
    const t = this.graph.tensors.get(name);
    if (!t) throw new EngineError("INVALID_GRAPH", `graph "${this.graph.name}" has no tensor "${name}"`);
    this.tensors.push(t);
    this.indices.set(name, this.tensors.length - 1);
    return this.tensors.length - 1;
  }

  tensor(name: string): Tensor {
    return this.tensors[this.index(name)] as Tensor;
  }

  private fresh(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** A new tensor that exists only in the file (a shape, axes or paddings constant; a padded activation). */
  add(base: string, tensor: Omit<Tensor, "name">): number {
    const name = this.fresh(base);
    this.tensors.push({ name, ...tensor });
    this.indices.set(name, this.tensors.length - 1);
    return this.tensors.length - 1;
  }

  int32Constant(base: string, values: number[], shape = [values.length]): number {
    return this.add(base, { dtype: "int32", shape, data: Int32Array.from(values) });
  }
}

type OpExporter<T extends OpType> = (node: NodeOf<T>, plan: ExportPlan) => PlannedOp[];

const options = (table: OptionsTable, values: Record<string, OptionValue>) => ({ table, values });

/** SAME or VALID when explicit padding equals one of them; the padding itself otherwise. */
function namedPadding(
  padding: Padding,
  input: Tensor,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): Padding {
  if (padding === "same" || padding === "valid") return padding;
  if (padding.every((p) => p === 0)) return "valid";
  const same = samePadding(input.shape[1] ?? 0, input.shape[2] ?? 0, kernel, strides, dilations);
  return same.every((p, i) => p === padding[i]) ? "same" : padding;
}

/**
 * Convolutions with explicit padding that is neither SAME nor VALID become PAD (with the input's zero point,
 * which is what a convolution pads with) followed by a VALID convolution.
 */
function padForConvolution(
  node: NodeOf<"Conv2D" | "DepthwiseConv2D">,
  plan: ExportPlan,
  kernel: [number, number],
): { input: number; padding: number; pre: PlannedOp[] } {
  const x = plan.tensor(node.inputs[0] as string);
  const p = namedPadding(node.attrs.padding, x, kernel, node.attrs.strides, node.attrs.dilations);
  if (p === "same") return { input: plan.index(x.name), padding: PADDING.SAME, pre: [] };
  if (p === "valid") return { input: plan.index(x.name), padding: PADDING.VALID, pre: [] };
  const [top, left, bottom, right] = p;
  const shape = [x.shape[0] ?? 1, (x.shape[1] ?? 0) + top + bottom, (x.shape[2] ?? 0) + left + right, x.shape[3] ?? 0];
  const padded = plan.add(`${x.name}_padded`, { dtype: x.dtype, shape, ...(x.quant ? { quant: x.quant } : {}) });
  const paddings = plan.int32Constant(`${node.name}/paddings`, [0, 0, top, bottom, left, right, 0, 0], [4, 2]);
  const pad: PlannedOp = {
    builtin: "PAD",
    inputs: [plan.index(x.name), paddings],
    outputs: [padded],
    options: options(PAD_OPTIONS, {}),
  };
  return { input: padded, padding: PADDING.VALID, pre: [pad] };
}

const poolExporter =
  (builtin: "AVERAGE_POOL_2D" | "MAX_POOL_2D"): OpExporter<"AveragePool2D" | "MaxPool2D"> =>
  (node, plan) => {
    const x = plan.tensor(node.inputs[0] as string);
    const p = namedPadding(node.attrs.padding, x, node.attrs.filter, node.attrs.strides, [1, 1]);
    return [
      {
        builtin,
        inputs: [plan.index(x.name)],
        outputs: node.outputs.map((o) => plan.index(o)),
        options: options(POOL_2D_OPTIONS, {
          padding: p === "same" ? PADDING.SAME : PADDING.VALID,
          strideW: node.attrs.strides[1],
          strideH: node.attrs.strides[0],
          filterWidth: node.attrs.filter[1],
          filterHeight: node.attrs.filter[0],
          fusedActivationFunction: ACTIVATION_CODES[node.attrs.activation],
        }),
      },
    ];
  };

const simple =
  (builtin: BuiltinName, table?: OptionsTable, values: (node: Node) => Record<string, OptionValue> = () => ({})) =>
  (node: Node, plan: ExportPlan): PlannedOp[] => [
    {
      builtin,
      inputs: node.inputs.map((i) => plan.index(i)),
      outputs: node.outputs.map((o) => plan.index(o)),
      ...(table ? { options: options(table, values(node)) } : {}),
    },
  ];

const activationOf = (node: Node) => ({
  fusedActivationFunction: ACTIVATION_CODES[(node.attrs as { activation: Activation }).activation],
});

/** ADD and SUB on int16 use the general rescaling kernel, as the converter's 16x8 mode writes them. */
const addSubValues = (plan: ExportPlan) => (node: Node) => ({
  ...activationOf(node),
  potScaleInt16: plan.tensor(node.inputs[0] as string).dtype !== "int16",
});

/** A Clip that TFLite has an op for. */
const clipBuiltin = (attrs: { min: number; max: number }): BuiltinName | undefined =>
  attrs.min === 0 && attrs.max === 6
    ? "RELU6"
    : attrs.min === 0 && attrs.max === Number.POSITIVE_INFINITY
      ? "RELU"
      : attrs.min === -1 && attrs.max === 1
        ? "RELU_N1_TO_1"
        : undefined;

/** The exporter registry: IR op → TFLite operators. Ops without an entry are refused. */
const EXPORTERS: { [T in OpType]?: OpExporter<T> } = {
  Conv2D: (node, plan) => {
    const w = plan.tensor(node.inputs[1] as string);
    const { input, padding, pre } = padForConvolution(node, plan, [w.shape[1] ?? 1, w.shape[2] ?? 1]);
    return [
      ...pre,
      {
        builtin: "CONV_2D",
        inputs: [input, plan.index(w.name), plan.index(node.inputs[2] ?? "")],
        outputs: [plan.index(node.outputs[0] as string)],
        options: options(CONV_2D_OPTIONS, {
          padding,
          strideW: node.attrs.strides[1],
          strideH: node.attrs.strides[0],
          fusedActivationFunction: ACTIVATION_CODES[node.attrs.activation],
          dilationWFactor: node.attrs.dilations[1],
          dilationHFactor: node.attrs.dilations[0],
        }),
      },
    ];
  },
  DepthwiseConv2D: (node, plan) => {
    const w = plan.tensor(node.inputs[1] as string);
    const { input, padding, pre } = padForConvolution(node, plan, [w.shape[1] ?? 1, w.shape[2] ?? 1]);
    return [
      ...pre,
      {
        builtin: "DEPTHWISE_CONV_2D",
        inputs: [input, plan.index(w.name), plan.index(node.inputs[2] ?? "")],
        outputs: [plan.index(node.outputs[0] as string)],
        options: options(DEPTHWISE_CONV_2D_OPTIONS, {
          padding,
          strideW: node.attrs.strides[1],
          strideH: node.attrs.strides[0],
          depthMultiplier: node.attrs.depthMultiplier,
          fusedActivationFunction: ACTIVATION_CODES[node.attrs.activation],
          dilationWFactor: node.attrs.dilations[1],
          dilationHFactor: node.attrs.dilations[0],
        }),
      },
    ];
  },
  FullyConnected: (node, plan) => [
    {
      builtin: "FULLY_CONNECTED",
      // An absent bias is written as -1, as the converter does (three inputs keep the op at its int8 version).
      inputs: [
        plan.index(node.inputs[0] as string),
        plan.index(node.inputs[1] as string),
        plan.index(node.inputs[2] ?? ""),
      ],
      outputs: [plan.index(node.outputs[0] as string)],
      options: options(FULLY_CONNECTED_OPTIONS, {
        fusedActivationFunction: ACTIVATION_CODES[node.attrs.activation],
        weightsFormat: 0,
        keepNumDims: node.attrs.keepNumDims,
        asymmetricQuantizeInputs: false,
        quantizedBiasType: 0,
      }),
    },
  ],
  AveragePool2D: poolExporter("AVERAGE_POOL_2D"),
  MaxPool2D: poolExporter("MAX_POOL_2D"),
  Mean: (node, plan) => [
    {
      builtin: "MEAN",
      inputs: [plan.index(node.inputs[0] as string), plan.int32Constant(`${node.name}/axes`, node.attrs.axes)],
      outputs: [plan.index(node.outputs[0] as string)],
      options: options(REDUCER_OPTIONS, { keepDims: node.attrs.keepDims }),
    },
  ],
  Reshape: (node, plan) => [
    {
      // The new shape goes both in the options and as a constant second input: TFLite reads the input,
      // older readers the options.
      builtin: "RESHAPE",
      inputs: [plan.index(node.inputs[0] as string), plan.int32Constant(`${node.name}/shape`, node.attrs.shape)],
      outputs: [plan.index(node.outputs[0] as string)],
      options: options(RESHAPE_OPTIONS, { newShape: node.attrs.shape }),
    },
  ],
  Transpose: (node, plan) => [
    {
      builtin: "TRANSPOSE",
      inputs: [plan.index(node.inputs[0] as string), plan.int32Constant(`${node.name}/perm`, node.attrs.perm)],
      outputs: [plan.index(node.outputs[0] as string)],
      options: options(TRANSPOSE_OPTIONS, {}),
    },
  ],
  Softmax: (node, plan) => simple("SOFTMAX", SOFTMAX_OPTIONS, () => ({ beta: node.attrs.beta }))(node, plan),
  Add: (node, plan) => simple("ADD", ADD_OPTIONS, addSubValues(plan))(node, plan),
  Sub: (node, plan) => simple("SUB", SUB_OPTIONS, addSubValues(plan))(node, plan),
  Mul: (node, plan) => simple("MUL", MUL_OPTIONS, activationOf)(node, plan),
  Concat: (node, plan) =>
    simple("CONCATENATION", CONCATENATION_OPTIONS, () => ({ axis: node.attrs.axis, ...activationOf(node) }))(
      node,
      plan,
    ),
  Pad: (node, plan) => {
    const x = plan.tensor(node.inputs[0] as string);
    const paddings = plan.int32Constant(`${node.name}/paddings`, node.attrs.pads.flat(), [node.attrs.pads.length, 2]);
    const inputs = [plan.index(x.name), paddings];
    const outputs = [plan.index(node.outputs[0] as string)];
    // PAD fills with zero (the zero point when quantized); another value needs PADV2 and a constant of x's type.
    if (node.attrs.value === 0) return [{ builtin: "PAD", inputs, outputs, options: options(PAD_OPTIONS, {}) }];
    const value = padValueData(x, node.attrs.value);
    const constant = plan.add(`${node.name}/constant_values`, {
      dtype: x.dtype,
      shape: [],
      data: value,
      ...(x.quant
        ? { quant: { scale: [x.quant.scale[0] as number], zeroPoint: [x.quant.zeroPoint[0] as number] } }
        : {}),
    });
    return [{ builtin: "PADV2", inputs: [...inputs, constant], outputs, options: options(PADV2_OPTIONS, {}) }];
  },
  Relu: (node, plan) => simple("RELU")(node, plan),
  Relu6: (node, plan) => simple("RELU6")(node, plan),
  ReluN1To1: (node, plan) => simple("RELU_N1_TO_1")(node, plan),
  Clip: (node, plan) => simple(clipBuiltin(node.attrs) as BuiltinName)(node, plan),
  Logistic: (node, plan) => simple("LOGISTIC")(node, plan),
  Tanh: (node, plan) => simple("TANH")(node, plan),
  Quantize: (node, plan) => simple("QUANTIZE")(node, plan),
  Dequantize: (node, plan) => simple("DEQUANTIZE")(node, plan),
};

/** PADV2's fill value in x's type: quantized with x's parameters when x is quantized. */
function padValueData(x: Tensor, value: number): TensorData {
  const q = x.quant;
  const quantized = (lo: number, hi: number) =>
    Math.min(hi, Math.max(lo, Math.round(value / (q?.scale[0] ?? 1)) + (q?.zeroPoint[0] ?? 0)));
  switch (x.dtype) {
    case "float32":
      return Float32Array.of(value);
    case "int8":
      return Int8Array.of(quantized(-128, 127));
    case "uint8":
      return Uint8Array.of(quantized(0, 255));
    case "int16":
      return Int16Array.of(quantized(-32768, 32767));
    case "int32":
      return Int32Array.of(Math.round(value));
    default:
      throw new EngineError("UNSUPPORTED_OPS", `Pad of a ${x.dtype} tensor with value ${value} has no TFLite form`, {
        ops: ["Pad"],
      });
  }
}

/** The shapes a TFLite runtime will compute must be the graph's: a mismatch would give a file that fails to load. */
function checkShapes(graph: Graph): void {
  const inferred = cloneGraph(graph);
  inferShapes(inferred);
  const wrong = graph.nodes.flatMap((n) =>
    n.outputs
      .filter((o) => tensorOf(inferred, o).shape.join(",") !== tensorOf(graph, o).shape.join(","))
      .map(
        (o) => `"${o}" is [${tensorOf(graph, o).shape}] but ${n.op} "${n.name}" gives [${tensorOf(inferred, o).shape}]`,
      ),
  );
  if (wrong.length > 0) {
    throw new EngineError(
      "INVALID_GRAPH",
      `graph "${graph.name}" has shapes its ops do not produce: ${wrong.join("; ")}`,
      {
        problems: wrong,
      },
    );
  }
}

/** Why a node cannot be written as TFLite (undefined when it can). */
function unexportable(node: Node, graph: Graph): string | undefined {
  if (!EXPORTERS[node.op]) return node.op;
  const layout = (node.attrs as { layout?: string }).layout;
  if (layout !== undefined && layout !== "NHWC") return `${node.op} (NCHW layout: run nchwToNhwc first)`;
  if (node.op === "Clip" && !clipBuiltin(node.attrs)) return `Clip (${node.attrs.min}, ${node.attrs.max})`;
  if (node.op === "AveragePool2D" || node.op === "MaxPool2D") {
    const attrs: PoolAttrs = node.attrs;
    const x = graph.tensors.get(node.inputs[0] as string);
    if (x && Array.isArray(namedPadding(attrs.padding, x, attrs.filter, attrs.strides, [1, 1]))) {
      return `${node.op} (explicit padding other than SAME or VALID)`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Serialization

function int32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] as number);
  return b.endVector();
}

function float32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i] as number);
  return b.endVector();
}

function int64Vector(b: Builder, values: readonly number[]): number {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i] as number));
  return b.endVector();
}

function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] as number);
  return b.endVector();
}

/** A ubyte vector whose first byte lies on a BUFFER_ALIGNMENT boundary of the finished file. */
function alignedBytes(b: Builder, bytes: Uint8Array): number {
  b.startVector(1, bytes.length, BUFFER_ALIGNMENT);
  for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i] as number);
  return b.endVector();
}

function writeOptions(b: Builder, table: OptionsTable, values: Record<string, OptionValue>): number {
  const vectors = new Map<string, number>();
  for (const [name, f] of Object.entries(table.fields)) {
    const v = values[name];
    if (f.kind === "int32[]" && Array.isArray(v)) vectors.set(name, int32Vector(b, v));
  }
  b.startObject(Object.keys(table.fields).length);
  for (const [name, f] of Object.entries(table.fields)) {
    const v = values[name];
    if (v === undefined) continue;
    switch (f.kind) {
      case "int8":
        b.addFieldInt8(f.id, v as number, f.default);
        break;
      case "int32":
        b.addFieldInt32(f.id, v as number, f.default);
        break;
      case "float32":
        b.addFieldFloat32(f.id, v as number, f.default);
        break;
      case "bool":
        b.addFieldInt8(f.id, v ? 1 : 0, f.default ? 1 : 0);
        break;
      case "int32[]":
        b.addFieldOffset(f.id, vectors.get(name) ?? 0, 0);
        break;
    }
  }
  return b.endObject();
}

function writeQuantization(b: Builder, q: QuantParams): number {
  const scale = float32Vector(b, q.scale);
  const zeroPoint = int64Vector(b, q.zeroPoint);
  b.startObject(7);
  b.addFieldOffset(QUANTIZATION.scale, scale, 0);
  b.addFieldOffset(QUANTIZATION.zeroPoint, zeroPoint, 0);
  b.addFieldInt32(QUANTIZATION.quantizedDimension, q.axis ?? 0, 0);
  return b.endObject();
}

function serialize(plan: ExportPlan, graph: Graph): Uint8Array {
  const estimate = plan.tensors.reduce((n, t) => n + (t.data?.byteLength ?? 0) + 256, 4096);
  const b = new Builder(estimate);

  // Buffers first, the largest objects, each aligned; buffer 0 is the empty buffer TFLite reserves.
  const bufferData: number[] = [];
  const bufferOf = new Map<Tensor, number>();
  for (const t of plan.tensors) {
    if (!t.data) continue;
    bufferData.push(alignedBytes(b, bytesOfData(t.data)));
    bufferOf.set(t, bufferData.length);
  }
  const buffers = [0, ...bufferData].map((data) => {
    b.startObject(3);
    if (data !== 0) b.addFieldOffset(BUFFER.data, data, 0);
    return b.endObject();
  });

  const tensors = plan.tensors.map((t) => {
    const name = b.createString(t.name);
    const shape = int32Vector(b, t.shape);
    const quant = t.quant ? writeQuantization(b, t.quant) : 0;
    b.startObject(10);
    b.addFieldOffset(TENSOR.shape, shape, 0);
    b.addFieldInt8(TENSOR.type, TENSOR_TYPE_OF_DTYPE[t.dtype], null);
    b.addFieldInt32(TENSOR.buffer, bufferOf.get(t) ?? 0, 0);
    b.addFieldOffset(TENSOR.name, name, 0);
    if (quant) b.addFieldOffset(TENSOR.quantization, quant, 0);
    return b.endObject();
  });

  // One operator code per builtin, at the highest version its ops need (as TFLite's UpdateOpVersion does).
  const versions = new Map<BuiltinName, number>();
  const signatureOf = (op: PlannedOp) => ({
    inputs: op.inputs.map((i) => {
      const t = plan.tensors[i];
      return t ? { dtype: t.dtype, rank: t.shape.length, quant: t.quant } : undefined;
    }),
    outputs: op.outputs.map((i) => {
      const t = plan.tensors[i] as Tensor;
      return { dtype: t.dtype, rank: t.shape.length, quant: t.quant };
    }),
    options: op.options?.values ?? {},
  });
  for (const op of plan.ops) {
    versions.set(op.builtin, Math.max(versions.get(op.builtin) ?? 1, opVersion(op.builtin, signatureOf(op))));
  }
  const codes = [...versions.keys()];
  const operatorCodes = codes.map((name) => {
    const code = BUILTIN[name];
    b.startObject(4);
    b.addFieldInt8(OPERATOR_CODE.deprecatedBuiltinCode, Math.min(code, DEPRECATED_CODE_LIMIT), null);
    b.addFieldInt32(OPERATOR_CODE.version, versions.get(name) ?? 1, null);
    b.addFieldInt32(OPERATOR_CODE.builtinCode, code, null);
    return b.endObject();
  });

  const operators = plan.ops.map((op) => {
    const inputs = int32Vector(b, op.inputs);
    const outputs = int32Vector(b, op.outputs);
    const opts = op.options ? writeOptions(b, op.options.table, op.options.values) : 0;
    b.startObject(9);
    b.addFieldInt32(OPERATOR.opcodeIndex, codes.indexOf(op.builtin), 0);
    b.addFieldOffset(OPERATOR.inputs, inputs, 0);
    b.addFieldOffset(OPERATOR.outputs, outputs, 0);
    if (op.options) {
      b.addFieldInt8(OPERATOR.builtinOptionsType, op.options.table.unionType, 0);
      b.addFieldOffset(OPERATOR.builtinOptions, opts, 0);
    }
    return b.endObject();
  });

  const subgraphName = b.createString("main");
  const tensorVector = offsetVector(b, tensors);
  const inputs = int32Vector(
    b,
    graph.inputs.map((n) => plan.index(n)),
  );
  const outputs = int32Vector(
    b,
    graph.outputs.map((n) => plan.index(n)),
  );
  const operatorVector = offsetVector(b, operators);
  b.startObject(5);
  b.addFieldOffset(SUBGRAPH.tensors, tensorVector, 0);
  b.addFieldOffset(SUBGRAPH.inputs, inputs, 0);
  b.addFieldOffset(SUBGRAPH.outputs, outputs, 0);
  b.addFieldOffset(SUBGRAPH.operators, operatorVector, 0);
  b.addFieldOffset(SUBGRAPH.name, subgraphName, 0);
  const subgraph = b.endObject();

  const description = b.createString(`tinyml engine: ${graph.name}`);
  const codeVector = offsetVector(b, operatorCodes);
  const subgraphVector = offsetVector(b, [subgraph]);
  const bufferVector = offsetVector(b, buffers);
  b.startObject(8);
  b.addFieldInt32(MODEL.version, TFLITE_SCHEMA_VERSION, 0);
  b.addFieldOffset(MODEL.operatorCodes, codeVector, 0);
  b.addFieldOffset(MODEL.subgraphs, subgraphVector, 0);
  b.addFieldOffset(MODEL.description, description, 0);
  b.addFieldOffset(MODEL.buffers, bufferVector, 0);
  const model = b.endObject();
  b.finish(model, TFLITE_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

/**
 * Writes an IR graph (NHWC; float32, fp16 weights with DEQUANTIZE, int8, or int16x8) as a .tflite file that
 * TensorFlow Lite and TensorFlow Lite Micro run: schema version 3, buffer 0 empty and every constant buffer
 * 16-byte aligned, one operator code per builtin with both code fields and the converter's version, per-axis
 * quantization with its dimension, shape/axes/paddings/permutation as int32 constant inputs, explicit
 * convolution padding as PAD + VALID convolution. Ops TFLite cannot express are refused together, by name.
 */
export function exportTflite(graph: Graph): Uint8Array {
  verifyGraph(graph);
  const refused = [...new Set(graph.nodes.map((n) => unexportable(n, graph)).filter((r) => r !== undefined))];
  if (refused.length > 0) {
    throw new EngineError(
      "UNSUPPORTED_OPS",
      `graph "${graph.name}" has ops that TFLite export does not handle: ${refused.join(", ")}. Run the engine's ` +
        "passes first (batch-norm folding, identity removal, nchwToNhwc, activation fusion), which remove or rewrite them.",
      { ops: refused },
    );
  }
  checkShapes(graph);
  const plan = new ExportPlan(graph);
  for (const name of graph.inputs) plan.index(name);
  for (const node of graph.nodes) {
    const exporter = EXPORTERS[node.op] as OpExporter<typeof node.op>;
    plan.ops.push(...exporter(node as never, plan));
  }
  for (const name of graph.outputs) plan.index(name);
  return serialize(plan, graph);
}
