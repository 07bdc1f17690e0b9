import { EngineError } from "../errors.js";
import type { DType, TensorData } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import { MODEL_LIMITS, overLimit } from "../ir/limits.js";
import type { Node, OpAttrs, OpType } from "../ir/ops.js";
import { inferNodeShapes } from "../ir/shape-inference.js";
import type { QuantParams, Tensor } from "../ir/tensor.js";
import { describeNode } from "./attributes.js";
import type { OnnxNode } from "./schema.js";
import { type ConstValue, dataOfConst } from "./tensor-proto.js";

/** What an ONNX value is during import: a constant (folded, not yet in the graph) or an IR tensor. */
export type OnnxValue = { kind: "const"; value: ConstValue } | { kind: "tensor"; name: string };

/**
 * The state of one import: the IR graph being built and what each ONNX value name stands for. Constants stay
 * out of the graph until an IR node reads one (`tensorOf`), so folded shape arithmetic leaves no trace.
 */
export class ImportContext {
  readonly graph: Graph;
  readonly values = new Map<string, OnnxValue>();
  /** The IR node that writes each IR tensor. */
  readonly producers = new Map<string, Node>();
  private readonly taken = new Set<string>();
  private readonly materialized = new Map<ConstValue, string>();
  private readonly constNames = new Map<ConstValue, string>();
  private constantElements = 0;

  constructor(
    name: string,
    readonly opset: number,
    /** How many ONNX node inputs (plus graph outputs) read each ONNX value. */
    readonly uses: ReadonlyMap<string, number>,
  ) {
    this.graph = { name, tensors: new Map(), nodes: [], inputs: [], outputs: [] };
  }

  /** A tensor or node name not used yet, derived from `base`. */
  fresh(base: string): string {
    const clean = base || "t";
    let name = clean;
    for (let i = 1; this.taken.has(name); i++) name = `${clean}_${i}`;
    this.taken.add(name);
    return name;
  }

  /**
   * Names an ONNX value. Every new constant counts against the import's budget of constant values
   * (MODEL_LIMITS.importConstants), so that folded arithmetic (Expand, Tile, ConstantOfShape…) cannot make a small
   * file hold gigabytes.
   */
  setValue(name: string, value: OnnxValue): void {
    this.values.set(name, value);
    if (value.kind === "const" && !this.constNames.has(value.value)) {
      this.constNames.set(value.value, name);
      this.constantElements += value.value.values.length;
      if (this.constantElements > MODEL_LIMITS.importConstants) {
        throw overLimit("importConstants", this.constantElements, `the ONNX model "${this.graph.name}"`);
      }
    }
  }

  /** The value of input `i` of `node`; undefined for an absent optional input. */
  input(node: OnnxNode, i: number): OnnxValue | undefined {
    const name = node.inputs[i];
    if (name === undefined || name === "") return undefined;
    const v = this.values.get(name);
    if (!v) throw new EngineError("INVALID_GRAPH", `${describeNode(node)} reads "${name}", which nothing computes`);
    return v;
  }

  constant(node: OnnxNode, i: number): ConstValue | undefined {
    const v = this.input(node, i);
    return v?.kind === "const" ? v.value : undefined;
  }

  /** Input `i` as a constant; an UNSUPPORTED_OPS error naming the variant when it is computed at run time. */
  requireConstant(node: OnnxNode, i: number, what: string): ConstValue {
    const c = this.constant(node, i);
    if (!c) throw this.unsupported(node, `${node.opType} with a run-time ${what}`);
    return c;
  }

  /** The IR tensor of input `i` (a constant is added to the graph on first use). */
  tensorName(node: OnnxNode, i: number): string {
    const v = this.input(node, i);
    if (!v) throw new EngineError("INVALID_GRAPH", `${describeNode(node)} misses its input ${i}`);
    return v.kind === "tensor" ? v.name : this.materialize(v.value);
  }

  tensor(name: string): Tensor {
    const t = this.graph.tensors.get(name);
    if (!t) throw new EngineError("INVALID_GRAPH", `no tensor "${name}"`);
    return t;
  }

  shape(node: OnnxNode, i: number): number[] {
    const v = this.input(node, i);
    if (!v) return [];
    return v.kind === "const" ? v.value.shape : this.tensor(v.name).shape;
  }

  dtype(node: OnnxNode, i: number): DType | undefined {
    const v = this.input(node, i);
    if (!v) return undefined;
    return v.kind === "const" ? v.value.dtype : this.tensor(v.name).dtype;
  }

  /** Adds a constant to the graph (once per value) and returns its IR name. */
  materialize(c: ConstValue, base?: string): string {
    const known = this.materialized.get(c);
    if (known) return known;
    const name = this.addConstant(base ?? this.constNames.get(c) ?? "const", c.dtype, c.shape, dataOfConst(c));
    this.materialized.set(c, name);
    return name;
  }

  addConstant(base: string, dtype: DType, shape: number[], data: TensorData, quant?: QuantParams): string {
    const name = this.fresh(base);
    this.graph.tensors.set(name, { name, dtype, shape: [...shape], data, ...(quant ? { quant } : {}) });
    return name;
  }

  addInput(name: string, dtype: DType, shape: number[]): void {
    this.taken.add(name);
    this.graph.tensors.set(name, { name, dtype, shape });
    this.graph.inputs.push(name);
    this.setValue(name, { kind: "tensor", name });
  }

  /**
   * Appends an IR node and creates its output tensor, whose shape comes from the IR's own shape rules (so an
   * importer bug shows up as a shape disagreement here, at the node that caused it).
   */
  emit<T extends OpType>(
    onnx: OnnxNode,
    op: T,
    inputs: string[],
    attrs: OpAttrs[T],
    output: { base: string; dtype?: DType; quant?: QuantParams },
  ): string {
    const name = this.fresh(output.base);
    const first = this.graph.tensors.get(inputs[0] ?? "");
    const node = {
      name: this.fresh(onnx.name || `${onnx.opType}_${name}`),
      op,
      inputs,
      outputs: [name],
      attrs,
    } as Node;
    const dtype = output.dtype ?? first?.dtype ?? "float32";
    this.graph.tensors.set(name, { name, dtype, shape: [], ...(output.quant ? { quant: output.quant } : {}) });
    let shapes: number[][];
    try {
      shapes = inferNodeShapes(this.graph, node);
    } catch (e) {
      this.graph.tensors.delete(name);
      if (e instanceof EngineError) {
        // INVALID_GRAPH stays one, OVER_LIMITS too: the error only gains the ONNX node's name
        throw new EngineError(e.code, `${describeNode(onnx)}: ${e.message}`, e.details);
      }
      throw e;
    }
    this.tensor(name).shape = shapes[0] ?? [];
    this.graph.nodes.push(node);
    this.producers.set(name, node);
    return name;
  }

  /** Names an IR tensor as the value of output `i` of an ONNX node. */
  setOutput(node: OnnxNode, i: number, irName: string): void {
    const out = node.outputs[i];
    if (out) this.setValue(out, { kind: "tensor", name: irName });
  }

  /** The base name for the IR tensor of output `i` (the ONNX name, so graph outputs keep theirs). */
  outName(node: OnnxNode, i = 0): string {
    return node.outputs[i] || `${node.opType}_out`;
  }

  unsupported(node: OnnxNode, variant: string): EngineError {
    return new EngineError(
      "UNSUPPORTED_OPS",
      `the model uses an op variant the engine does not support: ${variant} (${describeNode(node)}); change the model to avoid it, or ask for the variant to be supported`,
      { ops: [variant] },
    );
  }

  /** True when an ONNX value is read only once (by one node input) and is not a graph output. */
  usedOnce(name: string): boolean {
    return (this.uses.get(name) ?? 0) === 1;
  }
}
