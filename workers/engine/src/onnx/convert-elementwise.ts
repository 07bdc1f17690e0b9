import type { ImportContext } from "./context.js";
import { type Converter, FLOAT_MAX, samePads, scalar, simple } from "./convert-common.js";
import { invalid, legacyBroadcastShape } from "./onnx-shapes.js";
import type { OnnxNode } from "./schema.js";
import type { ConstValue } from "./tensor-proto.js";

/**
 * Elementwise arithmetic and activations. Ops the IR has no node for (LeakyRelu, PRelu, HardSigmoid,
 * HardSwish, Neg, Div by a constant) are built from IR ops; an Add of a per-channel constant after a
 * bias-less FullyConnected or convolution becomes that node's bias.
 */

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

const dropout: Converter = (ctx, node, attrs) => {
  if (node.outputs[1] && ctx.uses.get(node.outputs[1]))
    throw ctx.unsupported(node, "Dropout with its mask output used");
  if (attrs.int("training_mode", 0) || (node.inputs[2] && ctx.constant(node, 2)?.values[0])) {
    throw ctx.unsupported(node, "Dropout in training mode");
  }
  simple("Identity")(ctx, node, attrs);
};

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

export const ELEMENTWISE_CONVERTERS: Record<string, Converter> = {
  Add: binary("Add"),
  Sub: binary("Sub"),
  Mul: binary("Mul"),
  Div: div,
  Sum: sum,
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
};
