import { axesInput, type Converter, reshapeTo, scalar } from "./convert-common.js";
import {
  flattenShape,
  invalid,
  normalizeAxis,
  product,
  reshapeTarget,
  squeezeShape,
  unsqueezeShape,
} from "./onnx-shapes.js";

/** Reshapes, transposes, concatenation and padding, and the reductions (ReduceMean, ReduceSum, Softmax). */

const softmax: Converter = (ctx, node, attrs) => {
  const xs = ctx.shape(node, 0);
  const rank = xs.length;
  const x = ctx.tensorName(node, 0);
  const base = ctx.outName(node);
  if (ctx.opset < 13) {
    // Before opset 13 Softmax flattens the input to 2-D at `axis` and normalizes each row.
    const axis = normalizeAxis(node, attrs.int("axis", 1), rank);
    if (axis === rank - 1) return ctx.setOutput(node, 0, ctx.emit(node, "Softmax", [x], { beta: 1 }, { base }));
    const rows = ctx.emit(
      node,
      "Reshape",
      [x],
      { shape: [product(xs.slice(0, axis)), product(xs.slice(axis))] },
      { base: `${base}_2d` },
    );
    const sm = ctx.emit(node, "Softmax", [rows], { beta: 1 }, { base: `${base}_2d_softmax` });
    return ctx.setOutput(node, 0, ctx.emit(node, "Reshape", [sm], { shape: xs }, { base }));
  }
  const axis = normalizeAxis(node, attrs.int("axis", -1), rank);
  if (axis === rank - 1) return ctx.setOutput(node, 0, ctx.emit(node, "Softmax", [x], { beta: 1 }, { base }));
  const perm = xs.map((_, i) => i);
  perm[axis] = rank - 1;
  perm[rank - 1] = axis;
  const moved = ctx.emit(node, "Transpose", [x], { perm }, { base: `${base}_moved` });
  const sm = ctx.emit(node, "Softmax", [moved], { beta: 1 }, { base: `${base}_moved_softmax` });
  ctx.setOutput(node, 0, ctx.emit(node, "Transpose", [sm], { perm }, { base }));
};

const concat: Converter = (ctx, node, attrs) => {
  const present = node.inputs.map((_, i) => i).filter((i) => node.inputs[i]);
  const rank = ctx.shape(node, present[0] ?? 0).length;
  const axis = normalizeAxis(node, attrs.int("axis", 1), rank);
  const inputs = present.map((i) => ctx.tensorName(node, i));
  ctx.setOutput(node, 0, ctx.emit(node, "Concat", inputs, { axis, activation: "none" }, { base: ctx.outName(node) }));
};

const pad: Converter = (ctx, node, attrs) => {
  const mode = attrs.string("mode", "constant");
  if (mode !== "constant") throw ctx.unsupported(node, `Pad in ${mode} mode`);
  const rank = ctx.shape(node, 0).length;
  let flat: number[];
  let value: number;
  let axes = Array.from({ length: rank }, (_, i) => i);
  if (ctx.opset < 11) {
    flat = attrs.ints("pads") ?? attrs.ints("paddings") ?? [];
    value = attrs.float("value", 0);
  } else {
    flat = Array.from(ctx.requireConstant(node, 1, "pads input").values);
    value = node.inputs[2] ? (ctx.requireConstant(node, 2, "constant_value").values[0] ?? 0) : 0;
    if (node.inputs[3])
      axes = Array.from(ctx.requireConstant(node, 3, "axes input").values, (a) => normalizeAxis(node, a, rank));
  }
  if (flat.length !== 2 * axes.length) throw invalid(node, `has ${flat.length} pads for ${axes.length} axes`);
  if (flat.some((p) => p < 0)) throw ctx.unsupported(node, "Pad with negative pads (cropping)");
  const pads: [number, number][] = Array.from({ length: rank }, () => [0, 0]);
  axes.forEach((a, i) => {
    pads[a] = [flat[i] as number, flat[i + axes.length] as number];
  });
  ctx.setOutput(
    node,
    0,
    ctx.emit(node, "Pad", [ctx.tensorName(node, 0)], { pads, value }, { base: ctx.outName(node) }),
  );
};

/** ReduceMean, and ReduceSum as the mean times the number of elements averaged. */
function reduce(sum: boolean): Converter {
  return (ctx, node, attrs) => {
    const xs = ctx.shape(node, 0);
    const rank = xs.length;
    const given = axesInput(ctx, node, attrs, 1) ?? [];
    const keepDims = attrs.int("keepdims", 1) !== 0;
    const base = ctx.outName(node);
    const x = ctx.tensorName(node, 0);
    if (given.length === 0 && attrs.int("noop_with_empty_axes", 0)) {
      return ctx.setOutput(node, 0, ctx.emit(node, "Identity", [x], {}, { base }));
    }
    const axes =
      given.length > 0 ? given.map((a) => normalizeAxis(node, a, rank)) : Array.from({ length: rank }, (_, i) => i);
    if (!sum) return ctx.setOutput(node, 0, ctx.emit(node, "Mean", [x], { axes, keepDims }, { base }));
    const count = product(axes.map((a) => xs[a] as number));
    const mean = ctx.emit(node, "Mean", [x], { axes, keepDims }, { base: `${base}_mean` });
    const total = scalar(ctx, `${base}_count`, count);
    ctx.setOutput(node, 0, ctx.emit(node, "Mul", [mean, total], { activation: "none" }, { base }));
  };
}

export const SHAPE_CONVERTERS: Record<string, Converter> = {
  Reshape: (ctx, node, attrs) => {
    const spec = ctx.opset < 5 ? attrs.ints("shape", []) : Array.from(ctx.requireConstant(node, 1, "shape").values);
    reshapeTo(ctx, node, reshapeTarget(node, ctx.shape(node, 0), spec, attrs.int("allowzero", 0) !== 0));
  },
  Flatten: (ctx, node, attrs) => reshapeTo(ctx, node, flattenShape(node, ctx.shape(node, 0), attrs.int("axis", 1))),
  Squeeze: (ctx, node, attrs) =>
    reshapeTo(ctx, node, squeezeShape(node, ctx.shape(node, 0), axesInput(ctx, node, attrs, 1))),
  Unsqueeze: (ctx, node, attrs) =>
    reshapeTo(ctx, node, unsqueezeShape(node, ctx.shape(node, 0), axesInput(ctx, node, attrs, 1) ?? [])),
  Transpose: (ctx, node, attrs) => {
    const rank = ctx.shape(node, 0).length;
    const perm = attrs.ints("perm") ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    ctx.setOutput(
      node,
      0,
      ctx.emit(node, "Transpose", [ctx.tensorName(node, 0)], { perm }, { base: ctx.outName(node) }),
    );
  },
  Softmax: softmax,
  Concat: concat,
  Pad: pad,
  ReduceMean: reduce(false),
  ReduceSum: reduce(true),
};
