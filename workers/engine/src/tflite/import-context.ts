import { EngineError } from "../errors.js";
import { toNumbers } from "../ir/dtype.js";
import type { Activation, Node, NodeOf, OpType, Padding } from "../ir/ops.js";
import type { TensorImporter } from "./import-tensors.js";
import type { TfliteOperator, TfliteTensor } from "./reader.js";
import { ACTIVATION, type OptionsOf, type OptionsTable, PADDING, TENSOR_TYPE, TENSOR_TYPE_NAMES } from "./schema.js";

const ACTIVATIONS: Record<number, Activation> = {
  [ACTIVATION.NONE]: "none",
  [ACTIVATION.RELU]: "relu",
  [ACTIVATION.RELU_N1_TO_1]: "relu_n1_to_1",
  [ACTIVATION.RELU6]: "relu6",
  [ACTIVATION.TANH]: "tanh",
};

/** What one op importer sees: the operator, its tensors, and helpers that build IR tensors on first use. */
export class OpContext {
  /** Nodes to insert before the op's own (e.g. a Dequantize of hybrid-quantized weights). */
  readonly before: Node[] = [];
  constructor(
    private readonly tensors: TensorImporter,
    readonly op: TfliteOperator,
    readonly index: number,
    readonly opName: string,
  ) {}

  fail(why: string): never {
    return this.tensors.corrupt(`operator ${this.index} (${this.opName}) ${why}`);
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
    return i < 0 ? "" : this.tensors.tensorName(i);
  }

  /** IR name of the op's single output. */
  output(): string {
    if (this.op.outputs.length !== 1) this.fail(`has ${this.op.outputs.length} outputs, expected 1`);
    return this.tensors.tensorName(this.op.outputs[0] as number);
  }

  tensor(slot: number): TfliteTensor | undefined {
    const i = this.inputIndex(slot);
    return i < 0 ? undefined : this.tensors.fileTensor(i);
  }

  /** Integer values of constant input `slot` (shape, axes, paddings); undefined when it is computed at run time. */
  constantInts(slot: number, what: string): number[] | undefined {
    const i = this.inputIndex(slot);
    if (i < 0) return undefined;
    const t = this.tensors.fileTensor(i);
    const data = this.tensors.constantData(i);
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
    if (this.tensors.producerName(i) === "DEQUANTIZE") i = this.tensors.producerInput(i);
    if (i < 0) return undefined;
    const data = this.tensors.constantData(i);
    if (!data) return this.unsupported("takes a value from a tensor computed at run time");
    if (data.length !== 1) this.fail(`takes a scalar but input ${slot} holds ${data.length} values`);
    const q = this.tensors.fileTensor(i).quantization;
    const v = toNumbers(data)[0] as number;
    return q && q.scale.length === 1 ? (q.scale[0] as number) * (v - (q.zeroPoint[0] ?? 0)) : v;
  }

  /** The shape the file records for tensor `index`. */
  tensorShape(index: number): number[] {
    return [...this.tensors.fileTensor(index).shape];
  }

  /** Input `slot` holds constant data. */
  isConstant(slot: number): boolean {
    const i = this.inputIndex(slot);
    return i >= 0 && this.tensors.hasData(i);
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
      const out = this.tensors.newTensorLike(`${name}_dequantized`, name, "float32");
      this.before.push({ name: "Dequantize", op: "Dequantize", inputs: [name], outputs: [out], attrs: {} });
      return out;
    }
    return name;
  }

  /** The op's IR node. Its name is provisional: nodes are named by their final position once the graph is whole. */
  node<T extends OpType>(op: T, inputs: string[], attrs: NodeOf<T>["attrs"]): Node {
    return { name: op, op, inputs, outputs: [this.output()], attrs } as NodeOf<T> as Node;
  }
}

/** Maps one TFLite operator to its IR node. */
export type OpImporter = (ctx: OpContext) => Node;

/** Importers of a family of TFLite builtin operators, keyed by builtin name. */
export type OpImporters = Readonly<Record<string, OpImporter>>;
