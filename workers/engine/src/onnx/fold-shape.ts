import { EngineError } from "../errors.js";
import { describeNode } from "./attributes.js";
import { broadcastTo, concatConst, gather, sliceConst, transposeConst } from "./const-ops.js";
import { arg, axesOf, castTarget, type FoldRule, ints, make } from "./fold-rule.js";
import {
  broadcastShapes,
  flattenShape,
  invalid,
  normalizeAxis,
  product,
  reshapeTarget,
  squeezeShape,
  unsqueezeShape,
} from "./onnx-shapes.js";
import { type ConstValue, constOfTensorProto, elementsOf } from "./tensor-proto.js";

/** Folding rules of constants, shapes and the ops that move values (Shape → Gather → Concat → Reshape…). */

const reshaped = (c: ConstValue, shape: number[]): ConstValue => ({ ...c, shape });

export const FOLD_SHAPE_RULES: Record<string, FoldRule> = {
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
      concatConst(
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
};
