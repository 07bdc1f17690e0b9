import { EngineError } from "../errors.js";
import { DTYPE_BYTES, type DType, dataFromBytes, type TensorData, toNumbers } from "../ir/dtype.js";
import { cloneGraph, type Graph, removeDeadNodes } from "../ir/graph.js";
import type { Activation, Node, NodeOf, OpType, Padding } from "../ir/ops.js";
import { inferShapes } from "../ir/shape-inference.js";
import { elementCount, type QuantParams, type Tensor } from "../ir/tensor.js";
import { verifyGraph } from "../ir/verify.js";
import { readTflite, type TfliteModel, type TfliteOperator, type TfliteSubGraph, type TfliteTensor } from "./reader.js";
import {
  ACTIVATION,
  ADD_OPTIONS,
  builtinName,
  CONCATENATION_OPTIONS,
  CONV_2D_OPTIONS,
  DEPTHWISE_CONV_2D_OPTIONS,
  FULLY_CONNECTED_OPTIONS,
  MUL_OPTIONS,
  type OptionsOf,
  type OptionsTable,
  PADDING,
  POOL_2D_OPTIONS,
  REDUCER_OPTIONS,
  RESHAPE_OPTIONS,
  SOFTMAX_OPTIONS,
  SUB_OPTIONS,
  TENSOR_TYPE,
  TENSOR_TYPE_NAMES,
  TFLITE_SCHEMA_VERSION,
} from "./schema.js";
import { findUnsupportedOps, unsupportedOpsError } from "./unsupported-ops.js";

/** TFLite tensor types the IR holds. */
const DTYPE_OF_TENSOR_TYPE: ReadonlyMap<number, DType> = new Map([
  [TENSOR_TYPE.FLOAT32, "float32"],
  [TENSOR_TYPE.FLOAT16, "float16"],
  [TENSOR_TYPE.INT32, "int32"],
  [TENSOR_TYPE.UINT8, "uint8"],
  [TENSOR_TYPE.INT64, "int64"],
  [TENSOR_TYPE.BOOL, "bool"],
  [TENSOR_TYPE.INT16, "int16"],
  [TENSOR_TYPE.INT8, "int8"],
]);

const ACTIVATIONS: Record<number, Activation> = {
  [ACTIVATION.NONE]: "none",
  [ACTIVATION.RELU]: "relu",
  [ACTIVATION.RELU_N1_TO_1]: "relu_n1_to_1",
  [ACTIVATION.RELU6]: "relu6",
  [ACTIVATION.TANH]: "tanh",
};

const MAX_RANK = 8;
const MAX_ELEMENTS = 2 ** 31 - 1;

/** What one op importer sees: the operator, its tensors, and helpers that build IR tensors on first use. */
class OpContext {
  /** Nodes to insert before the op's own (e.g. a Dequantize of hybrid-quantized weights). */
  readonly before: Node[] = [];
  constructor(
    private readonly importer: TfliteImporter,
    readonly op: TfliteOperator,
    readonly index: number,
    readonly opName: string,
  ) {}

  fail(why: string): never {
    return this.importer.corrupt(`operator ${this.index} (${this.opName}) ${why}`);
  }
  unsupported(why: string): never {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `operator ${this.index} (${this.opName}) of the TFLite model ${why}; the engine cannot import it`,
      { operator: this.index, op: this.opName },
    );
  }

  /** TFLite tensor index of input `slot`, or -1 when absent. */
  inputIndex(slot: number): number {
    return this.op.inputs[slot] ?? -1;
  }

  /** IR name of input `slot` ("" when the optional input is absent). */
  input(slot: number): string {
    const i = this.inputIndex(slot);
    return i < 0 ? "" : this.importer.tensorName(i);
  }

  /** IR name of the op's single output. */
  output(): string {
    if (this.op.outputs.length !== 1) this.fail(`has ${this.op.outputs.length} outputs, expected 1`);
    return this.importer.tensorName(this.op.outputs[0] as number);
  }

  tensor(slot: number): TfliteTensor | undefined {
    const i = this.inputIndex(slot);
    return i < 0 ? undefined : this.importer.fileTensor(i);
  }

  /** Integer values of constant input `slot` (shape, axes, paddings); undefined when it is computed at run time. */
  constantInts(slot: number, what: string): number[] | undefined {
    const i = this.inputIndex(slot);
    if (i < 0) return undefined;
    const t = this.importer.fileTensor(i);
    const data = this.importer.constantData(i);
    if (!data) return undefined;
    if (t.type !== TENSOR_TYPE.INT32 && t.type !== TENSOR_TYPE.INT64) {
      this.fail(`takes its ${what} as ${TENSOR_TYPE_NAMES[t.type] ?? t.type}, not int32 or int64`);
    }
    return toNumbers(data);
  }

  /**
   * A scalar constant input as a real number (dequantized when quantized). A constant the converter stored in
   * float16 reaches the op through a DEQUANTIZE of a constant: followed through it.
   */
  constantReal(slot: number): number | undefined {
    let i = this.inputIndex(slot);
    if (i < 0) return undefined;
    const producer = this.importer.producerOf(i);
    if (producer && builtinName(this.importer.builtinCodeOf(producer)) === "DEQUANTIZE") i = producer.inputs[0] ?? -1;
    if (i < 0) return undefined;
    const data = this.importer.constantData(i);
    if (!data) return this.unsupported("takes a value from a tensor computed at run time");
    if (data.length !== 1) this.fail(`takes a scalar but input ${slot} holds ${data.length} values`);
    const q = this.importer.fileTensor(i).quantization;
    const v = toNumbers(data)[0] as number;
    return q && q.scale.length === 1 ? (q.scale[0] as number) * (v - (q.zeroPoint[0] ?? 0)) : v;
  }

  /** The shape the file records for tensor `index`. */
  tensorShape(index: number): number[] {
    return [...this.importer.fileTensor(index).shape];
  }

  /** Input `slot` holds constant data. */
  isConstant(slot: number): boolean {
    const i = this.inputIndex(slot);
    return i >= 0 && this.importer.hasData(i);
  }

  /** The op's options table, or its defaults when the file has none. */
  options<T extends OptionsTable>(table: T): OptionsOf<T> {
    const given = this.op.builtinOptions;
    if (given && this.op.builtinOptionsType !== table.unionType) {
      this.fail(`carries options of union type ${this.op.builtinOptionsType}, expected ${table.name}`);
    }
    if (given) return given as OptionsOf<T>;
    const defaults: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(table.fields)) defaults[k] = "default" in f ? f.default : undefined;
    return defaults as OptionsOf<T>;
  }

  activation(code: number): Activation {
    const a = ACTIVATIONS[code];
    if (a === undefined) this.unsupported(`uses fused activation ${code}`);
    return a;
  }

  padding(code: number): Padding {
    if (code === PADDING.SAME) return "same";
    if (code === PADDING.VALID) return "valid";
    return this.fail(`has padding ${code}`);
  }

  positive(values: number[], what: string): void {
    if (values.some((v) => !(v >= 1))) this.fail(`has ${what} ${values.join("×")}`);
  }

  /**
   * The weights input of a convolution or fully connected op. A hybrid model (float activations, int8 weights
   * dequantized by the kernel) becomes an explicit Dequantize of the constant weights feeding a float op.
   */
  weights(slot: number): string {
    const name = this.input(slot);
    const x = this.tensor(0);
    const w = this.tensor(slot);
    if (x?.type === TENSOR_TYPE.FLOAT32 && w && w.type !== TENSOR_TYPE.FLOAT32 && this.isConstant(slot)) {
      const out = this.importer.newTensorLike(`${name}_dequantized`, name, "float32");
      this.before.push({
        name: this.importer.nodeName("Dequantize"),
        op: "Dequantize",
        inputs: [name],
        outputs: [out],
        attrs: {},
      });
      return out;
    }
    return name;
  }

  node<T extends OpType>(op: T, inputs: string[], attrs: NodeOf<T>["attrs"]): Node {
    return { name: this.importer.nodeName(op), op, inputs, outputs: [this.output()], attrs } as NodeOf<T> as Node;
  }
}

type OpImporter = (ctx: OpContext) => Node;

const unaryImporter =
  (op: "Relu" | "Relu6" | "ReluN1To1" | "Logistic" | "Tanh" | "Quantize" | "Dequantize"): OpImporter =>
  (ctx) =>
    ctx.node(op, [ctx.input(0)], {});

const binaryImporter =
  (op: "Add" | "Sub" | "Mul", table: typeof ADD_OPTIONS | typeof SUB_OPTIONS | typeof MUL_OPTIONS): OpImporter =>
  (ctx) =>
    ctx.node(op, [ctx.input(0), ctx.input(1)], {
      activation: ctx.activation(ctx.options(table).fusedActivationFunction),
    });

const poolImporter =
  (op: "AveragePool2D" | "MaxPool2D"): OpImporter =>
  (ctx) => {
    const o = ctx.options(POOL_2D_OPTIONS);
    ctx.positive([o.filterHeight, o.filterWidth], "filter");
    ctx.positive([o.strideH, o.strideW], "strides");
    return ctx.node(op, [ctx.input(0)], {
      filter: [o.filterHeight, o.filterWidth],
      strides: [o.strideH, o.strideW],
      padding: ctx.padding(o.padding),
      activation: ctx.activation(o.fusedActivationFunction),
      layout: "NHWC",
    });
  };

const padImporter: OpImporter = (ctx) => {
  const flat = ctx.constantInts(1, "paddings");
  if (!flat) return ctx.unsupported("takes its paddings from a tensor computed at run time");
  const rank = ctx.tensor(0)?.shape.length ?? 0;
  if (flat.length !== 2 * rank) ctx.fail(`has ${flat.length} padding values for a rank-${rank} input`);
  if (flat.some((p) => p < 0)) ctx.fail("has negative paddings");
  const pads: [number, number][] = [];
  for (let i = 0; i < rank; i++) pads.push([flat[2 * i] as number, flat[2 * i + 1] as number]);
  const fill = ctx.tensor(2);
  if (fill && fill.type !== ctx.tensor(0)?.type) {
    // The 16x8 converter writes a float32 fill value for int16 input; TFLite refuses that file too.
    ctx.fail(
      `fills its ${TENSOR_TYPE_NAMES[ctx.tensor(0)?.type ?? -1]} input with a ${TENSOR_TYPE_NAMES[fill.type]} value`,
    );
  }
  return ctx.node("Pad", [ctx.input(0)], { pads, value: ctx.constantReal(2) ?? 0 });
};

/** The importer registry: TFLite builtin operator name → IR node. */
const IMPORTERS: Readonly<Record<string, OpImporter>> = {
  CONV_2D: (ctx) => {
    const o = ctx.options(CONV_2D_OPTIONS);
    ctx.positive([o.strideH, o.strideW], "strides");
    ctx.positive([o.dilationHFactor, o.dilationWFactor], "dilations");
    return ctx.node("Conv2D", [ctx.input(0), ctx.weights(1), ctx.input(2)], {
      strides: [o.strideH, o.strideW],
      dilations: [o.dilationHFactor, o.dilationWFactor],
      padding: ctx.padding(o.padding),
      activation: ctx.activation(o.fusedActivationFunction),
      layout: "NHWC",
    });
  },
  DEPTHWISE_CONV_2D: (ctx) => {
    const o = ctx.options(DEPTHWISE_CONV_2D_OPTIONS);
    ctx.positive([o.strideH, o.strideW], "strides");
    ctx.positive([o.dilationHFactor, o.dilationWFactor], "dilations");
    // Old converters wrote depth_multiplier inconsistently; TFLite's kernels follow the shapes, and so do we.
    const channels = ctx.tensor(0)?.shape[3] ?? 0;
    const outChannels = ctx.tensor(1)?.shape[3] ?? 0;
    const depthMultiplier =
      channels > 0 && outChannels > 0 && outChannels % channels === 0 ? outChannels / channels : o.depthMultiplier;
    return ctx.node("DepthwiseConv2D", [ctx.input(0), ctx.weights(1), ctx.input(2)], {
      strides: [o.strideH, o.strideW],
      dilations: [o.dilationHFactor, o.dilationWFactor],
      padding: ctx.padding(o.padding),
      activation: ctx.activation(o.fusedActivationFunction),
      layout: "NHWC",
      depthMultiplier,
    });
  },
  FULLY_CONNECTED: (ctx) => {
    const o = ctx.options(FULLY_CONNECTED_OPTIONS);
    const bias = ctx.input(2);
    const inputs = [ctx.input(0), ctx.weights(1), ...(bias ? [bias] : [])];
    return ctx.node("FullyConnected", inputs, {
      activation: ctx.activation(o.fusedActivationFunction),
      keepNumDims: o.keepNumDims,
    });
  },
  AVERAGE_POOL_2D: poolImporter("AveragePool2D"),
  MAX_POOL_2D: poolImporter("MaxPool2D"),
  MEAN: (ctx) => {
    const axes = ctx.constantInts(1, "axes");
    if (!axes) return ctx.unsupported("takes its axes from a tensor computed at run time");
    return ctx.node("Mean", [ctx.input(0)], { axes, keepDims: ctx.options(REDUCER_OPTIONS).keepDims });
  },
  RESHAPE: (ctx) => {
    // The shape input wins over the options (as in TFLite); a shape computed at run time is read from the
    // output tensor, whose shape the file records.
    const fromInput = ctx.constantInts(1, "shape");
    const fromOptions = ctx.inputIndex(1) < 0 ? ctx.options(RESHAPE_OPTIONS).newShape : undefined;
    const outIndex = ctx.op.outputs[0] ?? -1;
    const shape = fromInput ?? fromOptions ?? (outIndex >= 0 ? ctx.tensorShape(outIndex) : []);
    return ctx.node("Reshape", [ctx.input(0)], { shape });
  },
  TRANSPOSE: (ctx) => {
    const perm = ctx.constantInts(1, "permutation");
    if (!perm) return ctx.unsupported("takes its permutation from a tensor computed at run time");
    return ctx.node("Transpose", [ctx.input(0)], { perm });
  },
  SOFTMAX: (ctx) => ctx.node("Softmax", [ctx.input(0)], { beta: ctx.options(SOFTMAX_OPTIONS).beta }),
  ADD: binaryImporter("Add", ADD_OPTIONS),
  SUB: binaryImporter("Sub", SUB_OPTIONS),
  MUL: binaryImporter("Mul", MUL_OPTIONS),
  CONCATENATION: (ctx) => {
    const o = ctx.options(CONCATENATION_OPTIONS);
    const inputs = ctx.op.inputs.map((_, slot) => ctx.input(slot));
    return ctx.node("Concat", inputs, { axis: o.axis, activation: ctx.activation(o.fusedActivationFunction) });
  },
  PAD: padImporter,
  PADV2: padImporter,
  RELU: unaryImporter("Relu"),
  RELU6: unaryImporter("Relu6"),
  RELU_N1_TO_1: unaryImporter("ReluN1To1"),
  LOGISTIC: unaryImporter("Logistic"),
  TANH: unaryImporter("Tanh"),
  QUANTIZE: unaryImporter("Quantize"),
  DEQUANTIZE: unaryImporter("Dequantize"),
};

/** The TFLite builtin operators the importer supports. */
export const TFLITE_IMPORTABLE_OPS: ReadonlySet<string> = new Set(Object.keys(IMPORTERS));

/** Builds one IR graph from the primary subgraph of a decoded model. */
class TfliteImporter {
  readonly graph: Graph;
  private readonly names = new Map<number, string>();
  private readonly usedNames = new Set<string>();
  private copiedBytes = 0;
  private readonly copyBudget: number;

  constructor(
    private readonly model: TfliteModel,
    private readonly subgraph: TfliteSubGraph,
    name: string,
    fileSize: number,
  ) {
    this.graph = { name, tensors: new Map(), nodes: [], inputs: [], outputs: [] };
    this.copyBudget = 4 * fileSize + (1 << 20);
  }

  private readonly producers = new Map<number, TfliteOperator>();

  /** The operator that computes tensor `index`, if any. */
  producerOf(index: number): TfliteOperator | undefined {
    return this.producers.get(index);
  }

  builtinCodeOf(op: TfliteOperator): number {
    return this.model.operatorCodes[op.opcodeIndex]?.builtinCode ?? -1;
  }

  corrupt(why: string): never {
    throw new EngineError(
      "CORRUPT_MODEL",
      `the TFLite model "${this.graph.name}" is corrupt: ${why}; re-export it from its framework and upload it again`,
      { reason: why },
    );
  }

  fileTensor(index: number): TfliteTensor {
    const t = this.subgraph.tensors[index];
    if (!t) return this.corrupt(`tensor index ${index} is out of range (${this.subgraph.tensors.length} tensors)`);
    return t;
  }

  /** A provisional node name: nodes are named by their final position once the graph is complete. */
  nodeName(op: string): string {
    return op;
  }

  private uniqueTensorName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  private dtypeOf(t: TfliteTensor, index: number): DType {
    const dtype = DTYPE_OF_TENSOR_TYPE.get(t.type);
    if (!dtype) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `tensor ${index} ("${t.name}") of "${this.graph.name}" has type ${TENSOR_TYPE_NAMES[t.type] ?? t.type}; ` +
          "the engine handles float32, float16, int8, uint8, int16, int32, int64 and bool tensors",
        { tensor: t.name, type: t.type },
      );
    }
    return dtype;
  }

  /** The constant data of tensor `index`, or undefined when its buffer is empty (an activation). */
  constantData(index: number): TensorData | undefined {
    const t = this.fileTensor(index);
    if (t.buffer === 0) return undefined;
    const buffer = this.model.buffers[t.buffer];
    if (!buffer) return this.corrupt(`tensor ${index} uses buffer ${t.buffer} of ${this.model.buffers.length}`);
    if (buffer.size > 0n || buffer.offset > 1n) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `"${this.graph.name}" stores tensor data outside its flatbuffer (the layout of models over 2 GB); ` +
          "models that large do not fit a microcontroller",
      );
    }
    if (buffer.data.length === 0) return undefined;
    const dtype = this.dtypeOf(t, index);
    this.checkShape(t, index);
    const expected = elementCount(t.shape) * DTYPE_BYTES[dtype];
    if (buffer.data.length !== expected) {
      this.corrupt(
        `tensor ${index} ("${t.name}") of shape [${t.shape}] holds ${buffer.data.length} bytes, not ${expected}`,
      );
    }
    this.copiedBytes += expected;
    if (this.copiedBytes > this.copyBudget) this.corrupt("its tensors share buffers far more than a model's do");
    return dataFromBytes(dtype, buffer.data);
  }

  hasData(index: number): boolean {
    const t = this.fileTensor(index);
    return t.buffer !== 0 && (this.model.buffers[t.buffer]?.data.length ?? 0) > 0;
  }

  private checkShape(t: TfliteTensor, index: number): void {
    if (t.shape.length > MAX_RANK) this.corrupt(`tensor ${index} has rank ${t.shape.length}`);
    if (t.shape.some((d) => d < 0)) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `tensor ${index} ("${t.name}") of "${this.graph.name}" has a dynamic shape [${t.shape}]; ` +
          "re-export the model with fixed input shapes",
      );
    }
    if (elementCount(t.shape) > MAX_ELEMENTS) this.corrupt(`tensor ${index} has an impossible shape [${t.shape}]`);
  }

  private quantOf(t: TfliteTensor, index: number, dtype: DType): QuantParams | undefined {
    const q = t.quantization;
    if (!q || q.scale.length === 0) return undefined;
    if (q.hasDetails) {
      throw new EngineError("UNSUPPORTED_MODEL", `tensor ${index} of "${this.graph.name}" uses custom quantization`);
    }
    if (q.zeroPoint.length !== q.scale.length) {
      this.corrupt(`tensor ${index} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points`);
    }
    if (q.scale.some((s) => !(s > 0 && Number.isFinite(s)))) {
      // Some converters leave zeroed quantization on float and integer helper tensors: meaningless, dropped.
      if (dtype === "float32" || dtype === "int32" || dtype === "int64" || dtype === "bool") return undefined;
      this.corrupt(`tensor ${index} ("${t.name}") has a non-positive quantization scale`);
    }
    // Old converters wrote per-channel biases with the filter's quantized_dimension (3 on a 1-D bias); TFLite
    // ignores it there, and the only dimension of a 1-D tensor is what it means.
    const axis = t.shape.length === 1 && q.scale.length > 1 ? 0 : q.quantizedDimension;
    if (q.scale.length > 1 && !(axis >= 0 && axis < t.shape.length && t.shape[axis] === q.scale.length)) {
      this.corrupt(`tensor ${index} has ${q.scale.length} scales for dimension ${axis} of shape [${t.shape}]`);
    }
    const params: QuantParams = { scale: [...q.scale], zeroPoint: [...q.zeroPoint] };
    if (q.scale.length > 1 || (axis > 0 && axis < t.shape.length)) params.axis = axis;
    return params;
  }

  /** The IR name of TFLite tensor `index`, creating the IR tensor (with its constant data) on first use. */
  tensorName(index: number): string {
    const known = this.names.get(index);
    if (known !== undefined) return known;
    const t = this.fileTensor(index);
    if (t.isVariable) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `tensor ${index} ("${t.name}") of "${this.graph.name}" is a variable (a stateful model); the engine imports stateless models only`,
      );
    }
    if (t.hasSparsity) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `tensor ${index} ("${t.name}") of "${this.graph.name}" is stored sparse; re-convert the model without sparsity`,
      );
    }
    const dtype = this.dtypeOf(t, index);
    this.checkShape(t, index);
    const name = this.uniqueTensorName(t.name || `tensor_${index}`);
    const tensor: Tensor = { name, dtype, shape: [...t.shape] };
    const quant = this.quantOf(t, index, dtype);
    if (quant) tensor.quant = quant;
    const data = this.constantData(index);
    if (data) tensor.data = data;
    this.graph.tensors.set(name, tensor);
    this.names.set(index, name);
    return name;
  }

  /** A new activation tensor shaped like `like`, of another dtype (no quantization). */
  newTensorLike(base: string, like: string, dtype: DType): string {
    const source = this.graph.tensors.get(like);
    const name = this.uniqueTensorName(base);
    this.graph.tensors.set(name, { name, dtype, shape: [...(source?.shape ?? [])] });
    return name;
  }

  run(): Graph {
    const { subgraph, graph } = this;
    graph.inputs = subgraph.inputs.map((i) => this.tensorName(i));
    for (const op of subgraph.operators) for (const o of op.outputs) this.producers.set(o, op);
    for (const [index, op] of subgraph.operators.entries()) {
      const code = this.model.operatorCodes[op.opcodeIndex];
      const opName = builtinName(code?.builtinCode ?? -1);
      const importer = IMPORTERS[opName];
      if (!importer) return this.corrupt(`operator ${index} (${opName}) cannot be imported`);
      const ctx = new OpContext(this, op, index, opName);
      const node = importer(ctx);
      graph.nodes.push(...ctx.before, node);
    }
    graph.outputs = subgraph.outputs.map((i) => this.tensorName(i));
    // Ops whose results became attributes (a DEQUANTIZE of a float16 pad value) compute nothing anymore.
    removeDeadNodes(graph);
    // Nodes are named <op>_<position>, never the name of a tensor (files name tensors like "Reshape_1").
    const taken = new Set(graph.tensors.keys());
    for (const [i, node] of graph.nodes.entries()) {
      let name = `${node.op}_${i}`;
      for (let k = 1; taken.has(name); k++) name = `${node.op}_${i}_${k}`;
      taken.add(name);
      node.name = name;
    }
    this.check();
    return graph;
  }

  /** The graph must satisfy the IR's invariants, and shape inference must give back the file's shapes. */
  private check(): void {
    const { graph } = this;
    try {
      verifyGraph(graph);
      const inferred = cloneGraph(graph);
      inferShapes(inferred);
      for (const node of graph.nodes) {
        for (const out of node.outputs) {
          const fileShape = graph.tensors.get(out)?.shape ?? [];
          const shape = inferred.tensors.get(out)?.shape ?? [];
          // An empty shape in the file means "unknown rank": take the inferred one.
          if (fileShape.length === 0) (graph.tensors.get(out) as Tensor).shape = [...shape];
          else if (fileShape.join(",") !== shape.join(",")) {
            this.corrupt(`${node.op} "${node.name}" gives "${out}" the shape [${shape}], the file says [${fileShape}]`);
          }
        }
      }
    } catch (e) {
      if (e instanceof EngineError && e.code === "INVALID_GRAPH") {
        this.corrupt(`its graph is inconsistent: ${e.message}`);
      }
      throw e;
    }
  }
}

/**
 * Imports a TensorFlow Lite model (float, fp16-weight, hybrid, int8 or int16x8 quantized) as an IR graph:
 * the primary subgraph's tensors (dtype, shape, per-tensor or per-axis quantization, constant data) and its
 * operators mapped to the IR vocabulary (constant shape, axes, permutation and padding inputs become
 * attributes). Before any other work every unsupported operator is collected and reported in one
 * UNSUPPORTED_OPS error. A file that is not a valid model gives CORRUPT_MODEL.
 */
export function importTflite(bytes: Uint8Array, name: string): Graph {
  const model = readTflite(bytes);
  const subgraph = model.subgraphs[0];
  if (!subgraph) {
    throw new EngineError(
      "CORRUPT_MODEL",
      `the TFLite model "${name}" has no subgraph; re-export it and upload it again`,
    );
  }
  const found = findUnsupportedOps(model, subgraph, TFLITE_IMPORTABLE_OPS, (why) => {
    throw new EngineError("CORRUPT_MODEL", `the TFLite model "${name}" is corrupt: ${why}`, { reason: why });
  });
  if (found.ops.length > 0) throw unsupportedOpsError(name, found, TFLITE_IMPORTABLE_OPS);
  if (model.version !== TFLITE_SCHEMA_VERSION) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `"${name}" uses TFLite schema version ${model.version}; the engine reads version ${TFLITE_SCHEMA_VERSION} ` +
        "(what every TensorFlow converter since 2018 writes): re-convert the model",
    );
  }
  return new TfliteImporter(model, subgraph, name, bytes.length).run();
}
