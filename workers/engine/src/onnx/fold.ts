import { EngineError } from "../errors.js";
import type { DType } from "../ir/dtype.js";
import { describeNode, type NodeAttributes } from "./attributes.js";
import {
  broadcastShapes,
  flattenShape,
  invalid,
  legacyBroadcastShape,
  normalizeAxis,
  product,
  reshapeTarget,
  squeezeShape,
  unsqueezeShape,
} from "./onnx-shapes.js";
import { type OnnxNode, onnxDTypeNamed } from "./schema.js";
import { type ConstValue, castNumber, constOfTensorProto, dtypeOfOnnx, elementsOf } from "./tensor-proto.js";

/**
 * Constant folding: ONNX ops evaluated on constants at import time, one evaluator an op. Exporters such as
 * tf2onnx compute shapes at run time (Shape → Gather → Concat → Reshape); with static shapes all of that is
 * known during import and becomes constants, so the IR sees a plain Reshape.
 *
 * An evaluator receives the node's inputs as constants (undefined for an absent optional input) and the shapes
 * of all inputs (Shape and Size need only the shape of a run-time tensor), and returns the outputs.
 */
export interface FoldInput {
  /** The constant value of each input; undefined for a run-time tensor or an absent input. */
  consts: (ConstValue | undefined)[];
  /** The shape of each input ([] for an absent one). */
  shapes: number[][];
  /** The dtype of each input. */
  dtypes: (DType | undefined)[];
  /** Whether each input slot names a value (an optional input may be absent). */
  present: boolean[];
  opset: number;
}

type Evaluator = (node: OnnxNode, attrs: NodeAttributes, input: FoldInput) => ConstValue[];

interface FoldRule {
  /** Which inputs must be constants for the op to fold (default: every present input). */
  needs?: (input: FoldInput) => boolean;
  evaluate: Evaluator;
}

const make = (dtype: DType, shape: number[], values: Float64Array | number[]): ConstValue => {
  const v = values instanceof Float64Array ? values : Float64Array.from(values);
  if (dtype !== "float32" || v.some((x) => x !== Math.fround(x)))
    for (let i = 0; i < v.length; i++) v[i] = castNumber(v[i] as number, dtype);
  return { dtype, shape, values: v };
};

const arg = (node: OnnxNode, input: FoldInput, i: number): ConstValue => {
  const c = input.consts[i];
  if (!c) throw invalid(node, `input ${i} is missing`);
  return c;
};

const ints = (c: ConstValue | undefined): number[] | undefined => (c ? Array.from(c.values) : undefined);

const stridesOf = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
};

/** Values of `c` broadcast to `shape` (numpy rules; the caller checked the shapes agree). */
function broadcastTo(c: ConstValue, shape: readonly number[]): Float64Array {
  const n = product(shape);
  if (c.values.length === n && c.shape.length === shape.length) return c.values;
  const out = new Float64Array(n);
  const rank = shape.length;
  const src = [...new Array<number>(rank - c.shape.length).fill(1), ...c.shape];
  const srcStrides = stridesOf(src);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++) if ((src[d] as number) !== 1) off += (idx[d] as number) * (srcStrides[d] as number);
    out[i] = c.values[off] as number;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (shape[d] as number)) break;
      idx[d] = 0;
    }
  }
  return out;
}

const isInt = (d: DType) => d !== "float32" && d !== "float16";

function elementwise(fn: (a: number, b: number, dtype: DType) => number, outDType?: DType): Evaluator {
  return (node, attrs, input) => {
    const a = arg(node, input, 0);
    let b = arg(node, input, 1);
    if (input.opset < 7 && attrs.has("broadcast")) {
      const shape = legacyBroadcastShape(node, a.shape, b.shape, attrs.int("broadcast", 0), attrs.int("axis"));
      b = { ...b, shape };
    }
    const shape = broadcastShapes(node, [a.shape, b.shape]);
    elementsOf(shape, describeNode(node));
    const av = broadcastTo(a, shape);
    const bv = broadcastTo(b, shape);
    const out = new Float64Array(av.length);
    for (let i = 0; i < out.length; i++) out[i] = fn(av[i] as number, bv[i] as number, a.dtype);
    return [make(outDType ?? a.dtype, shape, out)];
  };
}

function variadic(fn: (a: number, b: number) => number): Evaluator {
  return (node, _attrs, input) => {
    const cs = input.consts.filter((c): c is ConstValue => c !== undefined);
    const first = cs[0];
    if (!first) throw invalid(node, "has no inputs");
    const shape = broadcastShapes(
      node,
      cs.map((c) => c.shape),
    );
    elementsOf(shape, describeNode(node));
    const out = Float64Array.from(broadcastTo(first, shape));
    for (const c of cs.slice(1)) {
      const v = broadcastTo(c, shape);
      for (let i = 0; i < out.length; i++) out[i] = fn(out[i] as number, v[i] as number);
    }
    return [make(first.dtype, shape, out)];
  };
}

function unary(fn: (x: number) => number): Evaluator {
  return (node, _attrs, input) => {
    const x = arg(node, input, 0);
    return [make(x.dtype, x.shape, x.values.map(fn))];
  };
}

const reshaped = (c: ConstValue, shape: number[]): ConstValue => ({ ...c, shape });

/** Axes given as an attribute (older opsets) or as an optional second input (newer ones). */
function axesOf(attrs: NodeAttributes, input: FoldInput, inputIndex: number): number[] | undefined {
  return attrs.ints("axes") ?? ints(input.consts[inputIndex]);
}

function reduce(
  init: number,
  fn: (acc: number, x: number) => number,
  finish?: (acc: number, n: number) => number,
): FoldRule {
  return {
    needs: (input) => input.consts[0] !== undefined && (!input.present[1] || input.consts[1] !== undefined),
    evaluate: (node, attrs, input) => {
      const x = arg(node, input, 0);
      const rank = x.shape.length;
      const given = axesOf(attrs, input, 1);
      if ((given === undefined || given.length === 0) && attrs.int("noop_with_empty_axes", 0)) return [x];
      const axes = new Set(
        given && given.length > 0 ? given.map((a) => normalizeAxis(node, a, rank)) : x.shape.map((_, i) => i),
      );
      const keep = attrs.int("keepdims", 1) !== 0;
      const outShape = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
      const out = new Float64Array(product(outShape)).fill(init);
      const count = new Float64Array(out.length);
      const inStrides = stridesOf(x.shape);
      const outStrides = stridesOf(outShape);
      for (let i = 0; i < x.values.length; i++) {
        let rem = i;
        let o = 0;
        for (let d = 0; d < rank; d++) {
          const k = Math.floor(rem / (inStrides[d] as number));
          rem -= k * (inStrides[d] as number);
          if (!axes.has(d)) o += k * (outStrides[d] as number);
        }
        out[o] = fn(out[o] as number, x.values[i] as number);
        count[o] = (count[o] as number) + 1;
      }
      if (finish) for (let i = 0; i < out.length; i++) out[i] = finish(out[i] as number, count[i] as number);
      return [make(x.dtype, keep ? outShape : x.shape.filter((_, i) => !axes.has(i)), out)];
    },
  };
}

export function castTarget(node: OnnxNode, attrs: NodeAttributes): DType {
  const to = attrs.intOrString("to");
  if (to === undefined) throw invalid(node, "has no `to` attribute");
  if (typeof to === "number") return dtypeOfOnnx(to, describeNode(node));
  const code = onnxDTypeNamed(to.toUpperCase());
  if (code === undefined) throw invalid(node, `casts to unknown type "${to}"`);
  return dtypeOfOnnx(code, describeNode(node));
}

/** Gathers along `axis` with integer indices (negative ones count from the end). */
function gather(node: OnnxNode, data: ConstValue, indices: ConstValue, axisAttr: number): ConstValue {
  const axis = normalizeAxis(node, axisAttr, data.shape.length);
  const size = data.shape[axis] as number;
  const outer = product(data.shape.slice(0, axis));
  const inner = product(data.shape.slice(axis + 1));
  const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  elementsOf(shape, describeNode(node));
  const out = new Float64Array(product(shape));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const rawIndex of indices.values) {
      const idx = rawIndex < 0 ? rawIndex + size : rawIndex;
      if (idx < 0 || idx >= size) throw invalid(node, `index ${rawIndex} is out of range for size ${size}`);
      for (let b = 0; b < inner; b++) out[o++] = data.values[(a * size + idx) * inner + b] as number;
    }
  }
  return { dtype: data.dtype, shape, values: out };
}

/** Slice with starts/ends/axes/steps (clamped as ONNX does). */
export function sliceConst(
  node: OnnxNode,
  data: ConstValue,
  starts: number[],
  ends: number[],
  axesIn: number[] | undefined,
  stepsIn: number[] | undefined,
): ConstValue {
  const rank = data.shape.length;
  const axes = (axesIn ?? starts.map((_, i) => i)).map((a) => normalizeAxis(node, a, rank));
  const steps = stepsIn ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw invalid(node, "starts, ends, axes and steps differ in length");
  }
  const begin = data.shape.map(() => 0);
  const step = data.shape.map(() => 1);
  const count = [...data.shape];
  axes.forEach((axis, i) => {
    const dim = data.shape[axis] as number;
    const s = steps[i] as number;
    if (s === 0) throw invalid(node, "has a step of 0");
    let b = starts[i] as number;
    let e = ends[i] as number;
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    if (s > 0) {
      b = Math.min(Math.max(b, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
      count[axis] = Math.max(0, Math.ceil((e - b) / s));
    } else {
      b = Math.min(Math.max(b, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      count[axis] = Math.max(0, Math.ceil((e - b) / s));
    }
    begin[axis] = b;
    step[axis] = s;
  });
  const strides = stridesOf(data.shape);
  const n = product(count);
  const out = new Float64Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++)
      off += ((begin[d] as number) + (idx[d] as number) * (step[d] as number)) * (strides[d] as number);
    out[i] = data.values[off] as number;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (count[d] as number)) break;
      idx[d] = 0;
    }
  }
  return { dtype: data.dtype, shape: count, values: out };
}

export function transposeConst(c: ConstValue, perm: readonly number[]): ConstValue {
  const shape = perm.map((p) => c.shape[p] as number);
  const inStrides = stridesOf(c.shape);
  const out = new Float64Array(c.values.length);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += (idx[d] as number) * (inStrides[perm[d] as number] as number);
    out[i] = c.values[off] as number;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (shape[d] as number)) break;
      idx[d] = 0;
    }
  }
  return { dtype: c.dtype, shape, values: out };
}

function concat(node: OnnxNode, cs: ConstValue[], axisAttr: number): ConstValue {
  const first = cs[0];
  if (!first) throw invalid(node, "has no inputs");
  const axis = normalizeAxis(node, axisAttr, first.shape.length);
  const shape = [...first.shape];
  shape[axis] = cs.reduce((a, c) => a + (c.shape[axis] ?? 0), 0);
  for (const c of cs) {
    if (c.shape.length !== first.shape.length || c.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      throw invalid(node, "inputs differ outside the concatenation axis");
    }
  }
  const outer = product(first.shape.slice(0, axis));
  const out = new Float64Array(product(shape));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const c of cs) {
      const chunk = product(c.shape.slice(axis));
      out.set(c.values.subarray(a * chunk, (a + 1) * chunk), o);
      o += chunk;
    }
  }
  return { dtype: first.dtype, shape, values: out };
}

const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

export const FOLD_RULES: Record<string, FoldRule> = {
  Constant: {
    evaluate: (node, attrs) => {
      const t = attrs.tensor("value");
      if (t) return [constOfTensorProto(t, describeNode(node))];
      const f = attrs.float("value_float");
      if (f !== undefined) return [make("float32", [], [f])];
      const fs = attrs.floats("value_floats");
      if (fs) return [make("float32", [fs.length], fs)];
      const i = attrs.int("value_int");
      if (i !== undefined) return [make("int64", [], [i])];
      const is = attrs.ints("value_ints");
      if (is) return [make("int64", [is.length], is)];
      throw new EngineError(
        "UNSUPPORTED_OPS",
        `${describeNode(node)} holds a sparse or string constant, which the engine does not handle`,
        {
          ops: ["Constant (sparse or string)"],
        },
      );
    },
  },
  Identity: { evaluate: (node, _a, input) => [arg(node, input, 0)] },
  Dropout: { needs: (input) => input.consts[0] !== undefined, evaluate: (node, _a, input) => [arg(node, input, 0)] },
  Shape: {
    needs: () => true,
    evaluate: (_node, attrs, input) => {
      const shape = input.shapes[0] ?? [];
      const rank = shape.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      const dims = shape.slice(clamp(attrs.int("start", 0)), clamp(attrs.int("end", rank)));
      return [make("int64", [dims.length], dims)];
    },
  },
  Size: { needs: () => true, evaluate: (_n, _a, input) => [make("int64", [], [product(input.shapes[0] ?? [])])] },
  Cast: {
    evaluate: (node, attrs, input) => {
      const x = arg(node, input, 0);
      return [make(castTarget(node, attrs), x.shape, Float64Array.from(x.values))];
    },
  },
  Reshape: {
    needs: (input) => input.consts[0] !== undefined && (!input.present[1] || input.consts[1] !== undefined),
    evaluate: (node, attrs, input) => {
      const x = arg(node, input, 0);
      const spec = input.opset < 5 ? attrs.ints("shape", []) : (ints(input.consts[1]) ?? []);
      return [reshaped(x, reshapeTarget(node, x.shape, spec, attrs.int("allowzero", 0) !== 0))];
    },
  },
  Flatten: {
    evaluate: (node, attrs, input) => {
      const x = arg(node, input, 0);
      return [reshaped(x, flattenShape(node, x.shape, attrs.int("axis", 1)))];
    },
  },
  Squeeze: {
    evaluate: (node, attrs, input) => {
      const x = arg(node, input, 0);
      return [reshaped(x, squeezeShape(node, x.shape, axesOf(attrs, input, 1)))];
    },
  },
  Unsqueeze: {
    evaluate: (node, attrs, input) => {
      const x = arg(node, input, 0);
      return [reshaped(x, unsqueezeShape(node, x.shape, axesOf(attrs, input, 1) ?? []))];
    },
  },
  Concat: {
    evaluate: (node, attrs, input) => [
      concat(
        node,
        input.consts.filter((c): c is ConstValue => c !== undefined),
        attrs.int("axis", 1),
      ),
    ],
  },
  Gather: {
    evaluate: (node, attrs, input) => [gather(node, arg(node, input, 0), arg(node, input, 1), attrs.int("axis", 0))],
  },
  Slice: {
    evaluate: (node, attrs, input) => {
      const x = arg(node, input, 0);
      if (input.opset < 10) {
        return [sliceConst(node, x, attrs.ints("starts", []), attrs.ints("ends", []), attrs.ints("axes"), undefined)];
      }
      return [
        sliceConst(
          node,
          x,
          ints(arg(node, input, 1)) ?? [],
          ints(arg(node, input, 2)) ?? [],
          ints(input.consts[3]),
          ints(input.consts[4]),
        ),
      ];
    },
  },
  ConstantOfShape: {
    evaluate: (node, attrs, input) => {
      const shape = ints(arg(node, input, 0)) ?? [];
      const n = elementsOf(shape, describeNode(node));
      const t = attrs.tensor("value");
      const fill = t ? constOfTensorProto(t, describeNode(node)) : make("float32", [1], [0]);
      return [make(fill.dtype, shape, new Float64Array(n).fill(fill.values[0] ?? 0))];
    },
  },
  Range: {
    evaluate: (node, _attrs, input) => {
      const start = arg(node, input, 0).values[0] ?? 0;
      const limit = arg(node, input, 1).values[0] ?? 0;
      const delta = arg(node, input, 2).values[0] ?? 0;
      if (delta === 0) throw invalid(node, "has a delta of 0");
      const n = Math.max(Math.ceil((limit - start) / delta), 0);
      elementsOf([n], describeNode(node));
      return [
        make(
          arg(node, input, 0).dtype,
          [n],
          Float64Array.from({ length: n }, (_, i) => start + i * delta),
        ),
      ];
    },
  },
  Split: {
    evaluate: (node, attrs, input) => {
      const x = arg(node, input, 0);
      const axis = normalizeAxis(node, attrs.int("axis", 0), x.shape.length);
      const size = x.shape[axis] as number;
      const outputs = node.outputs.length;
      let parts = attrs.ints("split") ?? ints(input.consts[1]);
      if (!parts) {
        // Equal parts (the last one smaller when the size does not divide, as opset 18 allows).
        const n = attrs.int("num_outputs", outputs);
        const chunk = Math.ceil(size / n);
        parts = Array.from({ length: n }, (_, i) => Math.max(Math.min(chunk, size - i * chunk), 0));
      }
      if (parts.length !== outputs || parts.reduce((a, b) => a + b, 0) !== size || parts.some((p) => p < 0)) {
        throw invalid(node, `cannot split ${size} into [${parts.join(", ")}]`);
      }
      let start = 0;
      return parts.map((p) => {
        const piece = sliceConst(node, x, [start], [start + p], [axis], undefined);
        start += p;
        return piece;
      });
    },
  },
  Expand: {
    evaluate: (node, _attrs, input) => {
      const x = arg(node, input, 0);
      const shape = broadcastShapes(node, [x.shape, ints(arg(node, input, 1)) ?? []]);
      elementsOf(shape, describeNode(node));
      return [make(x.dtype, shape, Float64Array.from(broadcastTo(x, shape)))];
    },
  },
  Transpose: {
    evaluate: (node, attrs, input) => {
      const x = arg(node, input, 0);
      const perm = attrs.ints("perm") ?? x.shape.map((_, i) => x.shape.length - 1 - i);
      if (
        perm.length !== x.shape.length ||
        new Set(perm).size !== perm.length ||
        perm.some((p) => p < 0 || p >= perm.length)
      ) {
        throw invalid(node, `bad permutation [${perm.join(", ")}]`);
      }
      return [transposeConst(x, perm)];
    },
  },
  Add: { evaluate: elementwise((a, b) => a + b) },
  Sub: { evaluate: elementwise((a, b) => a - b) },
  Mul: { evaluate: elementwise((a, b) => a * b) },
  Div: {
    evaluate: elementwise((a, b, dtype) => {
      if (!isInt(dtype)) return a / b;
      if (b === 0) throw new EngineError("INVALID_GRAPH", "an integer division by zero in a constant expression");
      return Math.trunc(a / b);
    }),
  },
  Mod: { evaluate: elementwise((a, b) => (b === 0 ? 0 : a - Math.floor(a / b) * b)) },
  Pow: { evaluate: elementwise((a, b) => a ** b) },
  Equal: { evaluate: elementwise((a, b) => (a === b ? 1 : 0), "bool") },
  Less: { evaluate: elementwise((a, b) => (a < b ? 1 : 0), "bool") },
  Greater: { evaluate: elementwise((a, b) => (a > b ? 1 : 0), "bool") },
  And: { evaluate: elementwise((a, b) => (a && b ? 1 : 0), "bool") },
  Or: { evaluate: elementwise((a, b) => (a || b ? 1 : 0), "bool") },
  Min: { evaluate: variadic(Math.min) },
  Max: { evaluate: variadic(Math.max) },
  Sum: { evaluate: variadic((a, b) => a + b) },
  Not: { evaluate: unary((x) => (x ? 0 : 1)) },
  Neg: { evaluate: unary((x) => -x) },
  Abs: { evaluate: unary(Math.abs) },
  Sqrt: { evaluate: unary(Math.sqrt) },
  Reciprocal: { evaluate: unary((x) => 1 / x) },
  Floor: { evaluate: unary(Math.floor) },
  Ceil: { evaluate: unary(Math.ceil) },
  Exp: { evaluate: unary(Math.exp) },
  Relu: { evaluate: unary((x) => Math.max(x, 0)) },
  Sigmoid: { evaluate: unary((x) => 1 / (1 + Math.exp(-x))) },
  Tanh: { evaluate: unary(Math.tanh) },
  Where: {
    evaluate: (node, _attrs, input) => {
      const [c, a, b] = [arg(node, input, 0), arg(node, input, 1), arg(node, input, 2)];
      const shape = broadcastShapes(node, [c.shape, a.shape, b.shape]);
      elementsOf(shape, describeNode(node));
      const [cv, av, bv] = [broadcastTo(c, shape), broadcastTo(a, shape), broadcastTo(b, shape)];
      return [
        make(
          a.dtype,
          shape,
          cv.map((x, i) => (x ? (av[i] as number) : (bv[i] as number))),
        ),
      ];
    },
  },
  ReduceProd: reduce(1, (a, x) => a * x),
  ReduceSum: reduce(0, (a, x) => a + x),
  ReduceMin: reduce(Number.POSITIVE_INFINITY, Math.min),
  ReduceMax: reduce(Number.NEGATIVE_INFINITY, Math.max),
  QuantizeLinear: {
    needs: (input) =>
      input.consts[0] !== undefined &&
      input.consts[1] !== undefined &&
      (!input.present[2] || input.consts[2] !== undefined),
    evaluate: (node, attrs, input) => {
      // Constant activations are rare; fold only per-tensor quantization and keep the integer values.
      const x = arg(node, input, 0);
      const scale = arg(node, input, 1);
      const zp = input.consts[2];
      if (scale.values.length !== 1 || (zp && zp.values.length !== 1)) {
        throw new EngineError("UNSUPPORTED_OPS", `${describeNode(node)} quantizes a constant per axis`, {
          ops: ["QuantizeLinear (per-axis, on a constant)"],
        });
      }
      const declared = attrs.int("output_dtype", 0);
      const dtype = zp?.dtype ?? (declared ? dtypeOfOnnx(declared, describeNode(node)) : "uint8");
      const [lo, hi] = dtype === "int8" ? [-128, 127] : dtype === "int16" ? [-32768, 32767] : [0, 255];
      const s = scale.values[0] as number;
      const z = zp?.values[0] ?? 0;
      return [
        make(
          dtype,
          x.shape,
          x.values.map((v) => Math.min(Math.max(roundHalfEven(v / s) + z, lo), hi)),
        ),
      ];
    },
  },
};

export { roundHalfEven };
