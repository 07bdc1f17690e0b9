import { EngineError } from "../errors.js";
import type { DType } from "../ir/dtype.js";
import { describeNode } from "./attributes.js";
import { broadcastTo, stridesOf } from "./const-ops.js";
import { arg, axesOf, type Evaluator, type FoldRule, make } from "./fold-rule.js";
import { broadcastShapes, invalid, legacyBroadcastShape, normalizeAxis, product } from "./onnx-shapes.js";
import { type ConstValue, dtypeOfOnnx, elementsOf } from "./tensor-proto.js";

/** Folding rules of arithmetic, comparisons, reductions and QuantizeLinear on constants. */

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

const roundHalfEven = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

export const FOLD_MATH_RULES: Record<string, FoldRule> = {
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
