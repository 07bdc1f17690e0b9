import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import type { Activation, Node, Padding } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { f32 } from "./fixed-point.js";

/**
 * The contract between the code generator and one op's emitter. An emitter turns a node into a call of the
 * runtime's kernel with every parameter precomputed (TFLite Micro's Prepare, done here in TypeScript).
 */
export interface EmitContext {
  graph: Graph;
  /** A C identifier prefix unique to this node (op0, op1, …). */
  id: string;
  tensor(name: string): Tensor;
  /** A C pointer expression for a run-time or constant tensor, cast to its element type. */
  ptr(name: string): string;
  /** A file-scope `static const` array for extra data (multipliers, shifts); returns its identifier. */
  array(type: string, suffix: string, values: ArrayLike<number> | ArrayLike<bigint>, comment?: string): string;
  /** A `const tml_context *` expression for this node's planned scratch buffer. */
  scratch: string;
}

export interface EmittedOp {
  /** File-scope definitions (parameter structs, dims). */
  definitions: string[];
  /** Statements in tml_model_run before the call (pointer tables that depend on the arena's address). */
  prelude?: string[];
  /** Statements in tml_model_init (tables the runtime fills once, e.g. int16 softmax's lookup tables). */
  init?: string[];
  /** An expression of type tml_status, or null when the op costs nothing (an aliased Reshape). */
  call: string | null;
  /** A C expression of the scratch bytes the linked kernel asks for; tml_model_init checks the plan covers it. */
  scratchQuery?: string;
}

export interface OpEmitter {
  /** The runtime's public kernel names the node calls (tml_conv2d_s8, …): they choose the sources to ship. */
  kernels(node: Node, graph: Graph): string[];
  /** Scratch bytes, by the runtime's `_get_buffer_size` rule (0 when none). */
  scratchBytes(node: Node, graph: Graph): number;
  emit(node: Node, ctx: EmitContext): EmittedOp;
}

export const unsupported = (node: Node, why: string): never => {
  throw new EngineError("UNSUPPORTED_OPS", `C code generation: ${node.op} "${node.name}": ${why}`, {
    ops: [node.op],
  });
};

/** The runtime's dtype suffix of an integer activation tensor. */
export function suffixOf(node: Node, t: Tensor): "s8" | "s16" {
  if (t.dtype === "int8" && t.quant) return "s8";
  if (t.dtype === "int16" && t.quant) return "s16";
  return unsupported(
    node,
    `${t.dtype}${t.quant ? "" : " (not quantized)"} tensor "${t.name}": the runtime is int8/int16 only`,
  );
}

export const scaleOf = (t: Tensor): number => f32(t.quant?.scale[0] as number);
export const zeroPointOf = (t: Tensor): number => t.quant?.zeroPoint[0] ?? 0;

const QRANGE = { int8: [-128, 127], int16: [-32768, 32767] } as Record<string, [number, number]>;

/**
 * TFLite's CalculateActivationRangeQuantized: the fused activation as an output clamp in quantized units,
 * zero_point + round(x / scale) (x / scale in float32, rounded half away from zero), within the type's range.
 */
export function activationRange(node: Node, activation: Activation, out: Tensor): { min: number; max: number } {
  const [qmin, qmax] = QRANGE[out.dtype] ?? unsupported(node, `output type ${out.dtype}`);
  const scale = scaleOf(out);
  const zp = zeroPointOf(out);
  const quantize = (x: number) => {
    const v = f32(x / scale);
    return zp + (v < 0 ? -Math.round(-v) : Math.round(v));
  };
  switch (activation) {
    case "none":
      return { min: qmin, max: qmax };
    case "relu":
      return { min: Math.max(qmin, quantize(0)), max: qmax };
    case "relu6":
      return { min: Math.max(qmin, quantize(0)), max: Math.min(qmax, quantize(6)) };
    case "relu_n1_to_1":
      return { min: Math.max(qmin, quantize(-1)), max: Math.min(qmax, quantize(1)) };
    default:
      return unsupported(node, `fused activation ${activation} on an integer op`);
  }
}

/**
 * TFLite's ComputePaddingHeightWidth for one dimension: the top (left) padding of SAME/VALID from the sizes;
 * an explicit padding gives its top (left) value. Bottom/right padding needs no parameter: kernels skip taps
 * outside the input.
 */
export function paddingBefore(
  padding: Padding,
  dim: 0 | 1,
  stride: number,
  dilation: number,
  inSize: number,
  filterSize: number,
  outSize: number,
): number {
  if (Array.isArray(padding)) return padding[dim] as number;
  const effective = (filterSize - 1) * dilation + 1;
  const total = Math.max(0, (outSize - 1) * stride + effective - inSize);
  return Math.floor(total / 2);
}

export const requireNhwc = (node: Node & { attrs: { layout?: string } }): void => {
  if (node.attrs.layout === "NCHW") unsupported(node, "NCHW layout (run the nchwToNhwc pass first)");
};

/** A tensor of at most 4 dimensions (the runtime's dims are 4-D). */
export function rank4(node: Node, t: Tensor): void {
  if (t.shape.length > 4) unsupported(node, `tensor "${t.name}" has rank ${t.shape.length} (the runtime takes ≤ 4)`);
}
