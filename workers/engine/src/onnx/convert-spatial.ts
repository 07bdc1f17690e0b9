import type { Padding } from "../ir/ops.js";
import { samePadding } from "../ir/shape-inference.js";
import { NodeAttributes } from "./attributes.js";
import { type Converter, samePads } from "./convert-common.js";
import { invalid } from "./onnx-shapes.js";
import type { OnnxNode } from "./schema.js";

/**
 * Convolutions, pools and batch normalization: ONNX's NCHW layout and weight order are kept
 * (`layout: "NCHW"`), for the `nchwToNhwc` pass to rewrite; 1-D forms run as 2-D over a height of 1.
 */

const pair = (node: OnnxNode, v: number[] | undefined, fallback: [number, number], what: string): [number, number] => {
  if (v === undefined) return fallback;
  if (v.length !== 2 || v.some((x) => !Number.isInteger(x) || x < 1)) throw invalid(node, `${what} [${v.join(", ")}]`);
  return [v[0] as number, v[1] as number];
};

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

export const SPATIAL_CONVERTERS: Record<string, Converter> = {
  Conv: withOneDimensional(conv),
  AveragePool: withOneDimensional(pool("AveragePool2D")),
  MaxPool: withOneDimensional(pool("MaxPool2D")),
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: withOneDimensional(globalMaxPool),
  BatchNormalization: withOneDimensional(batchNorm),
};
