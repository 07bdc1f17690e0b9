import { EngineError } from "../errors.js";
import { allocData, type DType, type TensorData, toNumbers } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { QuantParams, Tensor } from "../ir/tensor.js";
import { ATTR, attribute, ONNX_DTYPE, type OnnxAttribute, type OnnxNode, type OnnxTensor } from "./schema.js";
import { tensorProtoOf } from "./tensor-proto.js";

/**
 * The ONNX graph under construction, and the ONNX values that stand for each IR tensor ("views").
 *
 * An IR activation may be needed in several forms: as float32 (what every float ONNX op reads), as its
 * quantized integers (a quantized graph output, the input of an IR Dequantize), and, for NHWC graphs, in
 * NCHW order (what ONNX's Conv and pools read). Each form is made on first request and remembered:
 * float from integers by DequantizeLinear, NCHW from NHWC by a Transpose and back. So a chain of NHWC
 * convolutions passes NCHW tensors straight from one to the next, and the Transpose pairs that would
 * cancel are never emitted.
 *
 * The primary view of a tensor (its integers when quantized, its float values otherwise, in the IR's own
 * layout) carries the IR tensor's name, so graph inputs and outputs keep their names.
 */
export interface Views {
  float?: string;
  int?: string;
  floatNchw?: string;
  intNchw?: string;
}

export const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

const QUANTIZED: ReadonlySet<DType> = new Set(["int8", "uint8", "int16", "int32", "int64"]);

/** A tensor whose values are integers on a quantized grid (its real value is scale · (q − zero point)). */
export const isQuantized = (t: Tensor): boolean => t.quant !== undefined && QUANTIZED.has(t.dtype);

export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly taken = new Set<string>();
  private readonly views = new Map<string, Views>();
  private nodeCount = 0;

  constructor(
    readonly graph: Graph,
    readonly opset: number,
  ) {
    for (const t of graph.tensors.keys()) this.taken.add(t);
  }

  /** A fresh ONNX value name derived from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  tensor(name: string): Tensor {
    const t = this.graph.tensors.get(name);
    if (!t) throw new EngineError("INVALID_GRAPH", `graph "${this.graph.name}" has no tensor "${name}"`);
    return t;
  }

  node(opType: string, inputs: string[], outputs: string[], attributes: OnnxAttribute[] = [], base?: string): void {
    this.nodes.push({ name: `${base ?? opType}_${this.nodeCount++}`, opType, domain: "", inputs, outputs, attributes });
  }

  /** Emits one node with one output named from `base`; returns the output's name. */
  op(opType: string, inputs: string[], base: string, attributes: OnnxAttribute[] = []): string {
    const out = this.fresh(base);
    this.node(opType, inputs, [out], attributes);
    return out;
  }

  /** A constant initializer; returns its name. */
  constant(base: string, dtype: DType, shape: readonly number[], data: TensorData): string {
    const name = this.fresh(base);
    this.initializers.push(tensorProtoOf(name, dtype, shape, data));
    return name;
  }

  floatScalar(base: string, v: number): string {
    return this.constant(base, "float32", [], Float32Array.of(v));
  }

  int64s(base: string, values: readonly number[]): string {
    return this.constant(
      base,
      "int64",
      [values.length],
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  /** Scale and zero-point initializers of quantization parameters (per-tensor scalars or per-axis vectors). */
  quantInputs(
    base: string,
    q: QuantParams,
    dtype: DType,
  ): { scale: string; zeroPoint: string; attrs: OnnxAttribute[] } {
    const key = `${dtype}|${q.axis ?? 0}|${q.scale.join(",")}|${q.zeroPoint.join(",")}`;
    const known = this.quantCache.get(key);
    if (known) return known;
    const made = this.makeQuantInputs(base, q, dtype);
    this.quantCache.set(key, made);
    return made;
  }

  /** One pair of scale and zero-point initializers per distinct set of parameters. */
  private readonly quantCache = new Map<string, { scale: string; zeroPoint: string; attrs: OnnxAttribute[] }>();

  private makeQuantInputs(
    base: string,
    q: QuantParams,
    dtype: DType,
  ): { scale: string; zeroPoint: string; attrs: OnnxAttribute[] } {
    const perAxis = q.scale.length > 1;
    const shape = perAxis ? [q.scale.length] : [];
    const scale = this.constant(`${base}_scale`, "float32", shape, Float32Array.from(q.scale));
    const zp = allocData(dtype, q.zeroPoint.length);
    q.zeroPoint.forEach((z, i) => {
      if (zp instanceof BigInt64Array) zp[i] = BigInt(z);
      else (zp as Exclude<TensorData, BigInt64Array>)[i] = z;
    });
    const zeroPoint = this.constant(`${base}_zero_point`, dtype, shape, zp);
    const attrs = perAxis ? [intAttr("axis", q.axis ?? 0)] : [];
    return { scale, zeroPoint, attrs };
  }

  viewsOf(name: string): Views {
    let v = this.views.get(name);
    if (!v) {
      v = {};
      this.views.set(name, v);
    }
    return v;
  }

  /** Records the float32 result of the op that computes IR tensor `name` (in the IR's layout, or NCHW). */
  produced(name: string, value: string, nchw = false): void {
    const t = this.tensor(name);
    const v = this.viewsOf(name);
    if (!isQuantized(t)) {
      if (nchw) v.floatNchw = value;
      else v.float = value;
      return;
    }
    // A quantized tensor: its values are rounded to the grid here, as the quantized kernel's output is.
    const { scale, zeroPoint, attrs } = this.quantInputs(name, t.quant as QuantParams, t.dtype);
    const out = nchw ? this.fresh(`${name}_nchw_q`) : this.claimPrimary(name, "_q");
    this.node("QuantizeLinear", [value, scale, zeroPoint], [out], attrs);
    if (nchw) v.intNchw = out;
    else v.int = out;
  }

  /** The name an op should give its float result for IR tensor `name` (the IR name when that is the primary view). */
  resultName(name: string, nchw = false): string {
    if (!nchw && !isQuantized(this.tensor(name))) return this.claimPrimary(name, "_f");
    return this.fresh(`${name}${nchw ? "_nchw" : ""}_f`);
  }

  private readonly primaryClaimed = new Set<string>();

  /** The IR tensor's own name for its primary view, unless taken already (then a fresh name). */
  private claimPrimary(name: string, suffix: string): string {
    if (this.primaryClaimed.has(name)) return this.fresh(`${name}${suffix}`);
    this.primaryClaimed.add(name);
    return name;
  }

  /** The IR tensor as float32 in its own layout. */
  float(name: string): string {
    const v = this.viewsOf(name);
    if (v.float) return v.float;
    const t = this.tensor(name);
    if (t.data) {
      v.float = this.constantFloat(t);
      return v.float;
    }
    if (isQuantized(t)) {
      v.float = this.dequantize(t, this.int(name), t.quant as QuantParams, `${name}_dq`);
      return v.float;
    }
    if (t.dtype !== "float32") {
      v.float = this.op("Cast", [this.primary(name)], `${name}_f32`, [intAttr("to", ONNX_DTYPE.FLOAT)]);
      return v.float;
    }
    if (v.floatNchw) {
      v.float = this.claimPrimary(name, "_nhwc");
      this.node("Transpose", [v.floatNchw], [v.float], [intsAttr("perm", TO_NHWC)]);
      return v.float;
    }
    throw new EngineError("INVALID_GRAPH", `tensor "${name}" is read before it is computed`);
  }

  /** The IR tensor (NHWC in the IR) as float32 in NCHW order, for ONNX's Conv and pools. */
  floatNchw(name: string): string {
    const v = this.viewsOf(name);
    if (v.floatNchw) return v.floatNchw;
    const t = this.tensor(name);
    if (v.intNchw && isQuantized(t)) {
      v.floatNchw = this.dequantize(t, v.intNchw, t.quant as QuantParams, `${name}_nchw_dq`);
      return v.floatNchw;
    }
    // The tensor is an IR Transpose NCHW → NHWC of an NCHW tensor: that tensor is the NCHW view.
    const source = this.transposedFrom(name, TO_NHWC);
    if (source !== undefined) {
      v.floatNchw = this.float(source);
      return v.floatNchw;
    }
    v.floatNchw = this.op("Transpose", [this.float(name)], `${name}_nchw`, [intsAttr("perm", TO_NCHW)]);
    return v.floatNchw;
  }

  /**
   * The input of the IR Transpose by `perm` that computes `name`, when its values are exactly the input's
   * permuted (no change of quantization on the way); undefined otherwise.
   */
  transposedFrom(name: string, perm: readonly number[]): string | undefined {
    const producer = this.producerOf(name);
    if (producer?.op !== "Transpose" || !samePerm(producer.attrs.perm, perm)) return undefined;
    const input = producer.inputs[0] as string;
    return sameGrid(this.tensor(input), this.tensor(name)) ? input : undefined;
  }

  sameGridAs(a: string, b: string): boolean {
    return sameGrid(this.tensor(a), this.tensor(b));
  }

  /**
   * Drops nodes whose outputs nothing reads (views made and then bypassed, such as the Transpose of an IR
   * Transpose pair that cancelled) and initializers no node reads.
   */
  pruneUnused(outputs: readonly string[]): void {
    const used = new Set(outputs);
    const kept: OnnxNode[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i] as OnnxNode;
      if (!n.outputs.some((o) => used.has(o))) continue;
      kept.push(n);
      for (const input of n.inputs) used.add(input);
    }
    this.nodes.splice(0, this.nodes.length, ...kept.reverse());
    const inits = this.initializers.filter((t) => used.has(t.name));
    this.initializers.splice(0, this.initializers.length, ...inits);
  }

  private producers?: Map<string, Node>;

  /** The IR node that computes tensor `name`. */
  producerOf(name: string): Node | undefined {
    if (!this.producers) {
      this.producers = new Map();
      for (const n of this.graph.nodes) for (const o of n.outputs) this.producers.set(o, n);
    }
    return this.producers.get(name);
  }

  /** The quantized integers of a quantized IR tensor, in its own layout. */
  int(name: string): string {
    const v = this.viewsOf(name);
    if (v.int) return v.int;
    const t = this.tensor(name);
    if (t.data) {
      v.int = this.constant(name, t.dtype, t.shape, t.data);
      return v.int;
    }
    if (v.intNchw) {
      v.int = this.claimPrimary(name, "_nhwc");
      this.node("Transpose", [v.intNchw], [v.int], [intsAttr("perm", TO_NHWC)]);
      return v.int;
    }
    throw new EngineError("INVALID_GRAPH", `quantized tensor "${name}" is read before it is computed`);
  }

  /** The primary view: the integers of a quantized tensor, the values of any other. */
  primary(name: string): string {
    const t = this.tensor(name);
    if (isQuantized(t)) return this.int(name);
    const v = this.viewsOf(name);
    if (t.dtype !== "float32" && !t.data) {
      if (v.int) return v.int;
      throw new EngineError("INVALID_GRAPH", `tensor "${name}" is read before it is computed`);
    }
    return this.float(name);
  }

  /** Marks a graph input: its primary view is the input itself. */
  input(name: string): void {
    const t = this.tensor(name);
    const v = this.viewsOf(name);
    this.primaryClaimed.add(name);
    if (isQuantized(t) || t.dtype !== "float32") v.int = name;
    else v.float = name;
  }

  private dequantize(t: Tensor, value: string, q: QuantParams, base: string): string {
    const { scale, zeroPoint, attrs } = this.quantInputs(t.name, q, t.dtype);
    return this.op("DequantizeLinear", [value, scale, zeroPoint], base, attrs);
  }

  /**
   * A constant as float32. Quantized int8/int16/int32 constants stay integers in the file, dequantized by a
   * DequantizeLinear node (per axis where the IR has per-axis parameters): that is how QDQ models carry
   * weights and biases. int64 (16×8 biases, which DequantizeLinear does not take) and float16 are written
   * as the float32 values they stand for.
   */
  constantFloat(
    t: Tensor,
    data: TensorData = t.data as TensorData,
    shape: readonly number[] = t.shape,
    quant = t.quant,
  ): string {
    if (quant && QUANTIZED.has(t.dtype) && t.dtype !== "int64") {
      const ints = this.constant(`${t.name}_q`, t.dtype, shape, data);
      return this.dequantize(t, ints, quant, `${t.name}_dq`);
    }
    const values = toNumbers(data);
    let floats: Float32Array;
    if (quant) {
      const axis = quant.axis ?? 0;
      const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const size = shape[axis] ?? 1;
      floats = Float32Array.from(values, (q, i) => {
        const c = quant.scale.length > 1 ? Math.floor(i / inner) % size : 0;
        return (quant.scale[c] as number) * (q - (quant.zeroPoint[c] as number));
      });
    } else {
      floats = Float32Array.from(values);
    }
    return this.constant(t.name, "float32", shape, floats);
  }
}

const samePerm = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Two tensors hold values on the same grid: both float32, or both quantized alike. */
function sameGrid(a: Tensor, b: Tensor): boolean {
  if (!isQuantized(a) && !isQuantized(b)) return a.dtype === "float32" && b.dtype === "float32";
  if (!isQuantized(a) || !isQuantized(b) || a.dtype !== b.dtype) return false;
  const [qa, qb] = [a.quant as QuantParams, b.quant as QuantParams];
  return samePerm(qa.scale, qb.scale) && samePerm(qa.zeroPoint, qb.zeroPoint) && qa.scale.length === 1;
}

export const intAttr = (name: string, i: number): OnnxAttribute => attribute(name, ATTR.INT, { i });
export const intsAttr = (name: string, ints: readonly number[]): OnnxAttribute =>
  attribute(name, ATTR.INTS, { ints: [...ints] });
export const floatAttr = (name: string, f: number): OnnxAttribute => attribute(name, ATTR.FLOAT, { f });
