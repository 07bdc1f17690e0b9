import type { DType } from "../ir/dtype.js";
import type { Padding } from "../ir/ops.js";
import { samePadding } from "../ir/shape-inference.js";
import type { QuantParams } from "../ir/tensor.js";
import { NodeAttributes } from "./attributes.js";
import type { ImportContext } from "./context.js";
import { castTarget, transposeConst } from "./fold.js";
import {
  flattenShape,
  invalid,
  legacyBroadcastShape,
  normalizeAxis,
  product,
  reshapeTarget,
  squeezeShape,
  unsqueezeShape,
} from "./onnx-shapes.js";
import type { OnnxNode } from "./schema.js";
import { type ConstValue, dataOfConst, dtypeOfOnnx } from "./tensor-proto.js";

/**
 * ONNX op → IR ops, one converter an op type (a registry, as ONNX Runtime's quantization tool keeps one).
 * A converter reads its inputs from the context, emits IR nodes and names the IR tensor of each output.
 * Spatial ops keep ONNX's NCHW layout (`layout: "NCHW"`) and weight order; the `nchwToNhwc` pass rewrites them.
 */
export type Converter = (ctx: ImportContext, node: OnnxNode, attrs: NodeAttributes) => void;

const FLOAT_MAX = 3.4028234663852886e38;

const pair = (node: OnnxNode, v: number[] | undefined, fallback: [number, number], what: string): [number, number] => {
  if (v === undefined) return fallback;
  if (v.length !== 2 || v.some((x) => !Number.isInteger(x) || x < 1)) throw invalid(node, `${what} [${v.join(", ")}]`);
  return [v[0] as number, v[1] as number];
};

const samePads = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** ONNX auto_pad / pads → the IR's padding ("same" and "valid" where they match, explicit otherwise). */
function spatialPadding(
  node: OnnxNode,
  attrs: NodeAttributes,
  inHW: [number, number],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): Padding {
  const autoPad = attrs.string("auto_pad", "NOTSET");
  const same = samePadding(inHW[0], inHW[1], kernel, strides, dilations);
  switch (autoPad) {
    case "VALID":
      return "valid";
    case "SAME_UPPER":
      return "same";
    case "SAME_LOWER": {
      const lower: [number, number, number, number] = [same[2], same[3], same[0], same[1]];
      return samePads(lower, same) ? "same" : lower;
    }
    case "NOTSET":
    case "": {
      const pads = attrs.ints("pads", [0, 0, 0, 0]);
      if (pads.length !== 4 || pads.some((p) => !Number.isInteger(p) || p < 0))
        throw invalid(node, `pads [${pads.join(", ")}]`);
      const explicit = pads as [number, number, number, number];
      if (pads.every((p) => p === 0)) return "valid";
      return samePads(explicit, same) ? "same" : explicit;
    }
    default:
      throw invalid(node, `unknown auto_pad "${autoPad}"`);
  }
}

const explicitPads = (
  padding: Padding,
  inHW: [number, number],
  kernel: [number, number],
  strides: [number, number],
): [number, number, number, number] =>
  padding === "valid"
    ? [0, 0, 0, 0]
    : padding === "same"
      ? samePadding(inHW[0], inHW[1], kernel, strides, [1, 1])
      : padding;

const conv: Converter = (ctx, node, attrs) => {
  const xs = ctx.shape(node, 0);
  const ws = ctx.shape(node, 1);
  if (xs.length !== 4 || ws.length !== 4) throw ctx.unsupported(node, `Conv over ${xs.length - 2} spatial dimensions`);
  const group = attrs.int("group", 1);
  const kernel: [number, number] = [ws[2] as number, ws[3] as number];
  const strides = pair(node, attrs.ints("strides"), [1, 1], "strides");
  const dilations = pair(node, attrs.ints("dilations"), [1, 1], "dilations");
  const padding = spatialPadding(node, attrs, [xs[2] as number, xs[3] as number], kernel, strides, dilations);
  const inputs = [ctx.tensorName(node, 0), ctx.tensorName(node, 1)];
  if (node.inputs[2]) inputs.push(ctx.tensorName(node, 2));
  const common = { strides, dilations, padding, activation: "none" as const, layout: "NCHW" as const };
  const channels = xs[1] as number;
  let out: string;
  if (group === 1) {
    out = ctx.emit(node, "Conv2D", inputs, common, { base: ctx.outName(node) });
  } else if (group === channels && ws[1] === 1 && (ws[0] as number) % channels === 0) {
    const depthMultiplier = (ws[0] as number) / channels;
    out = ctx.emit(node, "DepthwiseConv2D", inputs, { ...common, depthMultiplier }, { base: ctx.outName(node) });
  } else {
    throw ctx.unsupported(node, `Conv with group=${group} over ${channels} channels (grouped convolution)`);
  }
  ctx.setOutput(node, 0, out);
};

function pool(op: "AveragePool2D" | "MaxPool2D"): Converter {
  return (ctx, node, attrs) => {
    const xs = ctx.shape(node, 0);
    if (xs.length !== 4) throw ctx.unsupported(node, `${node.opType} over ${xs.length - 2} spatial dimensions`);
    const kernel = pair(node, attrs.ints("kernel_shape"), [0, 0], "kernel_shape");
    if (kernel[0] === 0) throw invalid(node, "has no kernel_shape");
    const strides = pair(node, attrs.ints("strides"), [1, 1], "strides");
    const dilations = attrs.ints("dilations", [1, 1]);
    if (dilations.some((d) => d !== 1)) throw ctx.unsupported(node, `${node.opType} with dilations`);
    if (node.outputs[1] && ctx.uses.get(node.outputs[1])) throw ctx.unsupported(node, "MaxPool with an indices output");
    const inHW: [number, number] = [xs[2] as number, xs[3] as number];
    let padding = spatialPadding(node, attrs, inHW, kernel, strides, [1, 1]);
    const autoPad = attrs.string("auto_pad", "NOTSET");
    if (attrs.int("ceil_mode", 0) && (autoPad === "NOTSET" || autoPad === "")) {
      const p = explicitPads(padding, inHW, kernel, strides);
      const extended = [...p] as [number, number, number, number];
      for (const d of [0, 1] as const) {
        const span = inHW[d] + p[d] + (p[d + 2] as number) - kernel[d];
        if (Math.floor(span / strides[d]) === Math.ceil(span / strides[d])) continue;
        // ceil_mode adds a last window that hangs over the end. A max pool ignores padding, so padding the
        // end until that window fits gives the same output, as long as the window starts inside the input
        // or its leading padding (ONNX drops it otherwise) and the padding stays shorter than the window.
        let out = Math.ceil(span / strides[d]) + 1;
        if ((out - 1) * strides[d] >= inHW[d] + p[d]) out--;
        const extra = (out - 1) * strides[d] + kernel[d] - (inHW[d] + p[d] + (p[d + 2] as number));
        extended[d + 2] = (p[d + 2] as number) + Math.max(extra, 0);
        if (op !== "MaxPool2D" || (extended[d + 2] as number) >= kernel[d]) {
          throw ctx.unsupported(node, `${node.opType} with ceil_mode=1 where it changes the output size`);
        }
      }
      padding = samePads(extended, p) ? padding : extended;
    }
    let x = ctx.tensorName(node, 0);
    if (op === "AveragePool2D" && attrs.int("count_include_pad", 0) && padding !== "valid") {
      // Averaging over zero padding = padding with zeros, then pooling without padding.
      const [t, l, b, r] = explicitPads(padding, inHW, kernel, strides);
      const pads: [number, number][] = [
        [0, 0],
        [0, 0],
        [t, b],
        [l, r],
      ];
      x = ctx.emit(node, "Pad", [x], { pads, value: 0 }, { base: `${ctx.outName(node)}_padded` });
      padding = "valid";
    }
    const attrsOut = { filter: kernel, strides, padding, activation: "none" as const, layout: "NCHW" as const };
    ctx.setOutput(node, 0, ctx.emit(node, op, [x], attrsOut, { base: ctx.outName(node) }));
  };
}

const globalAveragePool: Converter = (ctx, node) => {
  const rank = ctx.shape(node, 0).length;
  if (rank < 3) throw invalid(node, `expects a rank ≥ 3 input, got rank ${rank}`);
  const axes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
  ctx.setOutput(
    node,
    0,
    ctx.emit(node, "Mean", [ctx.tensorName(node, 0)], { axes, keepDims: true }, { base: ctx.outName(node) }),
  );
};

const globalMaxPool: Converter = (ctx, node) => {
  const xs = ctx.shape(node, 0);
  if (xs.length !== 4) throw ctx.unsupported(node, `GlobalMaxPool over ${xs.length - 2} spatial dimensions`);
  const attrs = {
    filter: [xs[2], xs[3]] as [number, number],
    strides: [1, 1] as [number, number],
    padding: "valid" as const,
    activation: "none" as const,
    layout: "NCHW" as const,
  };
  ctx.setOutput(node, 0, ctx.emit(node, "MaxPool2D", [ctx.tensorName(node, 0)], attrs, { base: ctx.outName(node) }));
};

/** FullyConnected weights [out, in] as float32 constant data. */
const fcWeights = (ctx: ImportContext, w: ConstValue, base: string): string =>
  ctx.addConstant(base, w.dtype, w.shape, dataOfConst(w));

const gemm: Converter = (ctx, node, attrs) => {
  const alpha = attrs.float("alpha", 1);
  const beta = attrs.float("beta", 1);
  const transA = attrs.int("transA", 0) !== 0;
  const transB = attrs.int("transB", 0) !== 0;
  const b = ctx.constant(node, 1);
  let x = ctx.tensorName(node, 0);
  if (transA) x = ctx.emit(node, "Transpose", [x], { perm: [1, 0] }, { base: `${ctx.outName(node)}_at` });
  let weights: string;
  if (b) {
    if (b.shape.length !== 2) throw invalid(node, `B has shape [${b.shape.join(", ")}]`);
    // FullyConnected computes x · Wᵀ with W [out, in]: W = alpha · (transB ? B : Bᵀ).
    const w0 = transB ? b : transposeConst(b, [1, 0]);
    const w: ConstValue = { ...w0, values: alpha === 1 ? w0.values : w0.values.map((v) => Math.fround(alpha * v)) };
    weights = fcWeights(ctx, w, `${node.inputs[1]}_fc`);
  } else {
    // Run-time weights (a DequantizeLinear of quantized weights in QDQ models).
    if (alpha !== 1) throw ctx.unsupported(node, "Gemm with alpha ≠ 1 and run-time weights");
    weights = ctx.tensorName(node, 1);
    if (!transB) weights = ctx.emit(node, "Transpose", [weights], { perm: [1, 0] }, { base: `${node.inputs[1]}_t` });
  }
  const units = ctx.tensor(weights).shape[0] as number;
  const inputs = [x, weights];
  const c = node.inputs[2] ? ctx.input(node, 2) : undefined;
  let addAfter: string | undefined;
  if (
    c?.kind === "const" &&
    (c.value.values.length === units || c.value.values.length === 1) &&
    c.value.shape.length <= 2 &&
    (c.value.shape.length < 2 || c.value.shape[0] === 1)
  ) {
    const bias = new Float32Array(units).map((_, i) =>
      Math.fround(beta * (c.value.values[c.value.values.length === 1 ? 0 : i] as number)),
    );
    inputs.push(ctx.addConstant(`${node.inputs[2]}_bias`, "float32", [units], bias));
  } else if (c?.kind === "tensor" && beta === 1 && samePads(ctx.tensor(c.name).shape, [units])) {
    inputs.push(c.name); // a run-time bias: DequantizeLinear of an int32 bias in QDQ models
  } else if (c) {
    if (beta !== 1) throw ctx.unsupported(node, "Gemm with beta ≠ 1 and a full-matrix C");
    addAfter = ctx.tensorName(node, 2);
  }
  let out = ctx.emit(
    node,
    "FullyConnected",
    inputs,
    { activation: "none", keepNumDims: false },
    { base: addAfter ? `${ctx.outName(node)}_fc` : ctx.outName(node) },
  );
  if (addAfter) out = ctx.emit(node, "Add", [out, addAfter], { activation: "none" }, { base: ctx.outName(node) });
  ctx.setOutput(node, 0, out);
};

/** A 2-D tensor computed by an IR Dequantize of a constant (weights in QDQ models). */
const isDequantizedConstant = (ctx: ImportContext, name: string): boolean => {
  const producer = ctx.producers.get(name);
  const source = producer?.op === "Dequantize" ? ctx.graph.tensors.get(producer.inputs[0] as string) : undefined;
  return source?.data !== undefined && ctx.tensor(name).shape.length === 2;
};

const matMul: Converter = (ctx, node) => {
  const b = ctx.constant(node, 1);
  const as = ctx.shape(node, 0);
  if (b && b.shape.length === 2 && ctx.input(node, 0)?.kind === "tensor") {
    const w = transposeConst(b, [1, 0]);
    const inputs = [ctx.tensorName(node, 0), fcWeights(ctx, w, `${node.inputs[1]}_fc`)];
    const attrs = { activation: "none" as const, keepNumDims: as.length !== 2 };
    ctx.setOutput(node, 0, ctx.emit(node, "FullyConnected", inputs, attrs, { base: ctx.outName(node) }));
    return;
  }
  const bv = ctx.input(node, 1);
  if (bv?.kind === "tensor" && ctx.input(node, 0)?.kind === "tensor" && isDequantizedConstant(ctx, bv.name)) {
    // QDQ weights (DequantizeLinear of an integer constant): a FullyConnected on the transposed weights,
    // which constant folding turns into plain weights once the engine dequantizes them.
    const w = ctx.emit(node, "Transpose", [bv.name], { perm: [1, 0] }, { base: `${node.inputs[1]}_t` });
    const attrs = { activation: "none" as const, keepNumDims: as.length !== 2 };
    ctx.setOutput(
      node,
      0,
      ctx.emit(node, "FullyConnected", [ctx.tensorName(node, 0), w], attrs, { base: ctx.outName(node) }),
    );
    return;
  }
  const inputs = [ctx.tensorName(node, 0), ctx.tensorName(node, 1)];
  const attrs = { transposeA: false, transposeB: false };
  ctx.setOutput(node, 0, ctx.emit(node, "MatMul", inputs, attrs, { base: ctx.outName(node) }));
};

/** A Reshape of input 0 to `shape`. */
function reshapeTo(ctx: ImportContext, node: OnnxNode, shape: number[]): void {
  const out = ctx.emit(node, "Reshape", [ctx.tensorName(node, 0)], { shape }, { base: ctx.outName(node) });
  ctx.setOutput(node, 0, out);
}

const axesInput = (ctx: ImportContext, node: OnnxNode, attrs: NodeAttributes, index: number): number[] | undefined => {
  const fromAttr = attrs.ints("axes");
  if (fromAttr) return fromAttr;
  if (!node.inputs[index]) return undefined;
  return Array.from(ctx.requireConstant(node, index, "axes input").values);
};

/**
 * Where an Add reads the output of a bias-less FullyConnected or convolution and a constant that is one value
 * per output channel, the constant becomes that node's bias (MatMul + Add from tf2onnx, Conv + Add from
 * opset-1 exporters). Returns the IR tensor of the sum when it did.
 */
function fuseBias(ctx: ImportContext, node: OnnxNode, runtimeIndex: number, c: ConstValue): string | undefined {
  const onnxName = node.inputs[runtimeIndex] as string;
  const v = ctx.input(node, runtimeIndex);
  if (v?.kind !== "tensor" || !ctx.usedOnce(onnxName)) return undefined;
  const producer = ctx.producers.get(v.name);
  if (!producer || producer.inputs.length !== 2) return undefined;
  const outShape = ctx.tensor(v.name).shape;
  let axis: number;
  if (producer.op === "FullyConnected") axis = outShape.length - 1;
  else if ((producer.op === "Conv2D" || producer.op === "DepthwiseConv2D") && producer.attrs.layout === "NCHW")
    axis = 1;
  else return undefined;
  const channels = outShape[axis] as number;
  const aligned = [...new Array<number>(Math.max(outShape.length - c.shape.length, 0)).fill(1), ...c.shape];
  if (aligned.length !== outShape.length || aligned.some((d, i) => d !== (i === axis ? channels : 1))) return undefined;
  if (c.dtype !== "float32" || ctx.tensor(v.name).dtype !== "float32") return undefined;
  const bias = ctx.addConstant(
    `${node.inputs[1 - runtimeIndex]}_bias`,
    "float32",
    [channels],
    Float32Array.from(c.values),
  );
  producer.inputs.push(bias);
  return v.name;
}

function binary(op: "Add" | "Sub" | "Mul"): Converter {
  return (ctx, node, attrs) => {
    let b = ctx.input(node, 1);
    if (ctx.opset < 7 && attrs.has("broadcast")) {
      const shape = legacyBroadcastShape(
        node,
        ctx.shape(node, 0),
        ctx.shape(node, 1),
        attrs.int("broadcast", 0),
        attrs.int("axis"),
      );
      if (b?.kind === "const") b = { kind: "const", value: { ...b.value, shape } };
      else if (b && !samePads(shape, ctx.shape(node, 1))) {
        const name = ctx.emit(node, "Reshape", [b.name], { shape }, { base: `${node.inputs[1]}_aligned` });
        b = { kind: "tensor", name };
      }
    }
    if (!b) throw invalid(node, "misses an operand");
    const a = ctx.input(node, 0);
    if (op === "Add") {
      const fused =
        (b.kind === "const" && fuseBias(ctx, node, 0, b.value)) ||
        (a?.kind === "const" && b.kind === "tensor" && ctx.opset >= 7 && fuseBias(ctx, node, 1, a.value));
      if (fused) {
        ctx.setOutput(node, 0, fused);
        return;
      }
    }
    const bName = b.kind === "tensor" ? b.name : ctx.materialize(b.value, node.inputs[1]);
    const out = ctx.emit(
      node,
      op,
      [ctx.tensorName(node, 0), bName],
      { activation: "none" },
      { base: ctx.outName(node) },
    );
    ctx.setOutput(node, 0, out);
  };
}

const div: Converter = (ctx, node, attrs) => {
  const c = ctx.requireConstant(node, 1, "divisor");
  if (c.dtype !== "float32") throw ctx.unsupported(node, `Div of ${c.dtype} tensors`);
  let shape = c.shape;
  if (ctx.opset < 7 && attrs.has("broadcast")) {
    shape = legacyBroadcastShape(node, ctx.shape(node, 0), c.shape, attrs.int("broadcast", 0), attrs.int("axis"));
  }
  // x / c as x · (1/c): at most one float32 rounding apart, well inside what float models tolerate.
  const reciprocal = ctx.addConstant(
    `${node.inputs[1]}_reciprocal`,
    "float32",
    shape,
    Float32Array.from(c.values, (v) => 1 / v),
  );
  ctx.setOutput(
    node,
    0,
    ctx.emit(node, "Mul", [ctx.tensorName(node, 0), reciprocal], { activation: "none" }, { base: ctx.outName(node) }),
  );
};

const sum: Converter = (ctx, node) => {
  const present = node.inputs.map((_, i) => i).filter((i) => node.inputs[i]);
  let acc = ctx.tensorName(node, present[0] ?? 0);
  for (const i of present.slice(1)) {
    const last = i === present.at(-1);
    acc = ctx.emit(
      node,
      "Add",
      [acc, ctx.tensorName(node, i)],
      { activation: "none" },
      { base: last ? ctx.outName(node) : `${ctx.outName(node)}_partial` },
    );
  }
  if (present.length === 1) acc = ctx.emit(node, "Identity", [acc], {}, { base: ctx.outName(node) });
  ctx.setOutput(node, 0, acc);
};

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

const clip: Converter = (ctx, node, attrs) => {
  let min: number;
  let max: number;
  if (ctx.opset < 11) {
    min = attrs.float("min", -FLOAT_MAX);
    max = attrs.float("max", FLOAT_MAX);
  } else {
    min = node.inputs[1] ? (ctx.requireConstant(node, 1, "min").values[0] ?? -FLOAT_MAX) : -FLOAT_MAX;
    max = node.inputs[2] ? (ctx.requireConstant(node, 2, "max").values[0] ?? FLOAT_MAX) : FLOAT_MAX;
  }
  ctx.setOutput(node, 0, ctx.emit(node, "Clip", [ctx.tensorName(node, 0)], { min, max }, { base: ctx.outName(node) }));
};

function simple(op: "Relu" | "Logistic" | "Tanh" | "Identity"): Converter {
  return (ctx, node) => {
    ctx.setOutput(node, 0, ctx.emit(node, op, [ctx.tensorName(node, 0)], {}, { base: ctx.outName(node) }));
  };
}

const dropout: Converter = (ctx, node, attrs) => {
  if (node.outputs[1] && ctx.uses.get(node.outputs[1]))
    throw ctx.unsupported(node, "Dropout with its mask output used");
  if (attrs.int("training_mode", 0) || (node.inputs[2] && ctx.constant(node, 2)?.values[0])) {
    throw ctx.unsupported(node, "Dropout in training mode");
  }
  simple("Identity")(ctx, node, attrs);
};

const batchNorm: Converter = (ctx, node, attrs) => {
  if (ctx.opset < 7 && attrs.int("spatial", 1) === 0) throw ctx.unsupported(node, "BatchNormalization with spatial=0");
  if (attrs.int("training_mode", 0)) throw ctx.unsupported(node, "BatchNormalization in training mode");
  if (node.outputs.slice(1).some((o) => o && ctx.uses.get(o)))
    throw ctx.unsupported(node, "BatchNormalization with its training outputs used");
  const rank = ctx.shape(node, 0).length;
  if (rank !== 4 && rank !== 2) throw ctx.unsupported(node, `BatchNormalization of a rank-${rank} tensor`);
  const inputs = [0, 1, 2, 3, 4].map((i) => ctx.tensorName(node, i));
  const out = ctx.emit(
    node,
    "BatchNorm",
    inputs,
    { epsilon: attrs.float("epsilon", 1e-5), layout: "NCHW" },
    { base: ctx.outName(node) },
  );
  ctx.setOutput(node, 0, out);
};

/** Scale and zero point inputs of Q/DQ as the IR's quantization parameters. */
function quantOf(
  ctx: ImportContext,
  node: OnnxNode,
  attrs: NodeAttributes,
  rank: number,
): { quant: QuantParams; zpType?: DType } {
  if (attrs.int("block_size", 0)) throw ctx.unsupported(node, `${node.opType} with block quantization`);
  const scale = ctx.requireConstant(node, 1, "scale");
  const zp = node.inputs[2] ? ctx.requireConstant(node, 2, "zero point") : undefined;
  const scales = Array.from(scale.values);
  const zeroPoints = zp ? Array.from(zp.values) : scales.map(() => 0);
  if (zeroPoints.length !== scales.length)
    throw invalid(node, `has ${scales.length} scales and ${zeroPoints.length} zero points`);
  const quant: QuantParams = { scale: scales, zeroPoint: zeroPoints };
  if (scales.length > 1 || scale.shape.length === 1) {
    const axis = normalizeAxis(node, attrs.int("axis", 1), rank);
    if (scales.length > 1) quant.axis = axis;
  }
  return { quant, ...(zp ? { zpType: zp.dtype } : {}) };
}

const QUANTIZED_TYPES: ReadonlySet<DType> = new Set(["int8", "uint8", "int16", "int32"]);

const quantizeLinear: Converter = (ctx, node, attrs) => {
  const rank = ctx.shape(node, 0).length;
  const { quant, zpType } = quantOf(ctx, node, attrs, rank);
  const declared = attrs.int("output_dtype", 0);
  const dtype = zpType ?? (declared ? dtypeOfOnnx(declared, `${node.opType} output`) : "uint8");
  if (!QUANTIZED_TYPES.has(dtype) || dtype === "int32") throw ctx.unsupported(node, `QuantizeLinear to ${dtype}`);
  const out = ctx.emit(node, "Quantize", [ctx.tensorName(node, 0)], {}, { base: ctx.outName(node), dtype, quant });
  ctx.setOutput(node, 0, out);
};

const sameQuant = (a: QuantParams, b: QuantParams) =>
  samePads(a.scale, b.scale) && samePads(a.zeroPoint, b.zeroPoint) && (a.scale.length === 1 || a.axis === b.axis);

const dequantizeLinear: Converter = (ctx, node, attrs) => {
  const x = ctx.input(node, 0);
  if (!x) throw invalid(node, "misses its input");
  const rank = ctx.shape(node, 0).length;
  const { quant } = quantOf(ctx, node, attrs, rank);
  let name: string;
  if (x.kind === "const") {
    // Quantized weights: an integer constant carrying its scale and zero point, dequantized by an IR node.
    if (!QUANTIZED_TYPES.has(x.value.dtype)) throw ctx.unsupported(node, `DequantizeLinear of ${x.value.dtype}`);
    name = ctx.addConstant(node.inputs[0] as string, x.value.dtype, x.value.shape, dataOfConst(x.value), quant);
  } else {
    const t = ctx.tensor(x.name);
    if (!QUANTIZED_TYPES.has(t.dtype)) throw ctx.unsupported(node, `DequantizeLinear of ${t.dtype}`);
    if (!t.quant) t.quant = quant;
    else if (!sameQuant(t.quant, quant)) {
      throw ctx.unsupported(node, "DequantizeLinear with a scale or zero point other than its QuantizeLinear's");
    }
    name = x.name;
  }
  ctx.setOutput(node, 0, ctx.emit(node, "Dequantize", [name], {}, { base: ctx.outName(node), dtype: "float32" }));
};

const cast: Converter = (ctx, node, attrs) => {
  const from = ctx.dtype(node, 0);
  const target = castTarget(node, attrs);
  if (target !== from) throw ctx.unsupported(node, `Cast of a run-time ${from} tensor to ${target}`);
  simple("Identity")(ctx, node, attrs);
};

/** A float32 scalar constant in the graph. */
const scalar = (ctx: ImportContext, base: string, v: number): string =>
  ctx.addConstant(base, "float32", [], Float32Array.of(v));

/**
 * x for x ≥ 0, slope · x below: Relu(x) − slope · Relu(−x), from IR ops only (the IR has no leaky ReLU).
 * The slope is a scalar (LeakyRelu) or a constant that broadcasts (PRelu).
 */
function leaky(ctx: ImportContext, node: OnnxNode, slope: string): void {
  const base = ctx.outName(node);
  const x = ctx.tensorName(node, 0);
  const positive = ctx.emit(node, "Relu", [x], {}, { base: `${base}_pos` });
  const negated = ctx.emit(
    node,
    "Mul",
    [x, scalar(ctx, `${base}_minus_one`, -1)],
    { activation: "none" },
    { base: `${base}_neg` },
  );
  const negative = ctx.emit(node, "Relu", [negated], {}, { base: `${base}_negpart` });
  const scaled = ctx.emit(node, "Mul", [negative, slope], { activation: "none" }, { base: `${base}_scaled` });
  ctx.setOutput(node, 0, ctx.emit(node, "Sub", [positive, scaled], { activation: "none" }, { base }));
}

/** clip(alpha · x + beta, 0, 1), the hard sigmoid, from Mul, Add and Clip; returns its IR tensor. */
function hardSigmoid(ctx: ImportContext, node: OnnxNode, alpha: number, beta: number, base: string): string {
  const x = ctx.tensorName(node, 0);
  const scaled = ctx.emit(
    node,
    "Mul",
    [x, scalar(ctx, `${base}_alpha`, alpha)],
    { activation: "none" },
    { base: `${base}_ax` },
  );
  const shifted = ctx.emit(
    node,
    "Add",
    [scaled, scalar(ctx, `${base}_beta`, beta)],
    { activation: "none" },
    { base: `${base}_axb` },
  );
  return ctx.emit(node, "Clip", [shifted], { min: 0, max: 1 }, { base });
}

/**
 * 1-D convolutions, pools and batch norms (audio models) as their 2-D forms over a height of 1: the input
 * [N, C, L] is reshaped to [N, C, 1, L], convolution weights [O, I, k] to [O, I, 1, k], the window
 * attributes get a leading 1 (pads a leading 0 at each end), and the result is reshaped back to [N, C', L'].
 */
function withOneDimensional(convert2d: Converter): Converter {
  return (ctx, node, attrs) => {
    const xs = ctx.shape(node, 0);
    if (xs.length !== 3) return convert2d(ctx, node, attrs);
    const [n, c, l] = xs as [number, number, number];
    const out = ctx.outName(node);
    // Names for the 2-D values, clear of every ONNX value name.
    const temp = (name: string) => {
      let t = `${name}_as2d`;
      while (ctx.uses.has(t) || ctx.values.has(t)) t = `${t}_`;
      return t;
    };
    const lifted = node.inputs.map((name, i) => {
      if (!name) return name;
      const v = ctx.input(node, i) as NonNullable<ReturnType<typeof ctx.input>>;
      const shape = v.kind === "const" ? v.value.shape : ctx.tensor(v.name).shape;
      const isData = i === 0 || (node.opType === "Conv" && i === 1);
      if (!isData || shape.length !== 3) return name;
      const shape4 = [shape[0] as number, shape[1] as number, 1, shape[2] as number];
      const name2d = temp(name);
      if (v.kind === "const") ctx.setValue(name2d, { kind: "const", value: { ...v.value, shape: shape4 } });
      else {
        const reshaped = ctx.emit(node, "Reshape", [v.name], { shape: shape4 }, { base: `${name}_2d` });
        ctx.setValue(name2d, { kind: "tensor", name: reshaped });
      }
      return name2d;
    });
    const widen = (a: OnnxNode["attributes"][number]): OnnxNode["attributes"][number] => {
      if (a.name === "pads" && a.ints.length === 2)
        return { ...a, ints: [0, a.ints[0] as number, 0, a.ints[1] as number] };
      if (["kernel_shape", "strides", "dilations"].includes(a.name) && a.ints.length === 1) {
        return { ...a, ints: [1, a.ints[0] as number] };
      }
      return a;
    };
    const out2d = temp(out);
    const node2d: OnnxNode = {
      ...node,
      inputs: lifted,
      outputs: [out2d],
      attributes: node.attributes.map(widen),
    };
    convert2d(ctx, node2d, new NodeAttributes(node2d));
    const result = ctx.values.get(out2d);
    if (result?.kind !== "tensor") throw invalid(node, "produced no value");
    const shape = ctx.tensor(result.name).shape;
    if (shape[0] !== n || shape[2] !== 1 || (node.opType === "BatchNormalization" && shape[1] !== c)) {
      throw invalid(node, `1-D form gave [${shape.join(", ")}] for input [${n}, ${c}, ${l}]`);
    }
    const back = ctx.emit(
      node,
      "Reshape",
      [result.name],
      { shape: [n, shape[1] as number, shape[3] as number] },
      { base: out },
    );
    ctx.setOutput(node, 0, back);
  };
}

export const CONVERTERS: Record<string, Converter> = {
  Conv: withOneDimensional(conv),
  AveragePool: withOneDimensional(pool("AveragePool2D")),
  MaxPool: withOneDimensional(pool("MaxPool2D")),
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: withOneDimensional(globalMaxPool),
  Gemm: gemm,
  MatMul: matMul,
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
  Add: binary("Add"),
  Sub: binary("Sub"),
  Mul: binary("Mul"),
  Div: div,
  Sum: sum,
  Concat: concat,
  Pad: pad,
  ReduceMean: reduce(false),
  ReduceSum: reduce(true),
  Neg: (ctx, node) => {
    const minusOne = scalar(ctx, `${ctx.outName(node)}_minus_one`, -1);
    const out = ctx.emit(
      node,
      "Mul",
      [ctx.tensorName(node, 0), minusOne],
      { activation: "none" },
      { base: ctx.outName(node) },
    );
    ctx.setOutput(node, 0, out);
  },
  Relu: simple("Relu"),
  Clip: clip,
  Sigmoid: simple("Logistic"),
  Tanh: simple("Tanh"),
  BatchNormalization: withOneDimensional(batchNorm),
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  Identity: simple("Identity"),
  LeakyRelu: (ctx, node, attrs) =>
    leaky(ctx, node, scalar(ctx, `${ctx.outName(node)}_alpha`, attrs.float("alpha", 0.01))),
  PRelu: (ctx, node) => {
    const slope = ctx.requireConstant(node, 1, "slope");
    let shape = slope.shape;
    // Before opset 7 the slope of a [N, C, …] input could be one value per channel given as [C].
    if (ctx.opset < 7 && shape.length === 1 && ctx.shape(node, 0).length > 2 && shape[0] === ctx.shape(node, 0)[1]) {
      shape = [shape[0] as number, ...new Array<number>(ctx.shape(node, 0).length - 2).fill(1)];
    }
    leaky(ctx, node, ctx.materialize({ ...slope, shape }, node.inputs[1]));
  },
  HardSigmoid: (ctx, node, attrs) =>
    ctx.setOutput(
      node,
      0,
      hardSigmoid(ctx, node, attrs.float("alpha", 0.2), attrs.float("beta", 0.5), ctx.outName(node)),
    ),
  HardSwish: (ctx, node) => {
    const gate = hardSigmoid(ctx, node, 1 / 6, 0.5, `${ctx.outName(node)}_gate`);
    const out = ctx.emit(
      node,
      "Mul",
      [ctx.tensorName(node, 0), gate],
      { activation: "none" },
      { base: ctx.outName(node) },
    );
    ctx.setOutput(node, 0, out);
  },
  Dropout: dropout,
  Cast: cast,
};
