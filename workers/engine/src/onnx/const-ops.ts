import { describeNode } from "./attributes.js";
import { invalid, normalizeAxis, product } from "./onnx-shapes.js";
import type { OnnxNode } from "./schema.js";
import { type ConstValue, elementsOf } from "./tensor-proto.js";

/** Array operations on constants (row-major, numpy's rules), shared by constant folding and the converters. */

export const stridesOf = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
};

/** Values of `c` broadcast to `shape` (numpy rules; the caller checked the shapes agree). */
export function broadcastTo(c: ConstValue, shape: readonly number[]): Float64Array {
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

/** Gathers along `axis` with integer indices (negative ones count from the end). */
export function gather(node: OnnxNode, data: ConstValue, indices: ConstValue, axisAttr: number): ConstValue {
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

export function concatConst(node: OnnxNode, cs: ConstValue[], axisAttr: number): ConstValue {
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
