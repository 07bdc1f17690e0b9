import { transposeConst } from "./const-ops.js";
import type { ImportContext } from "./context.js";
import { type Converter, samePads } from "./convert-common.js";
import { invalid } from "./onnx-shapes.js";
import { type ConstValue, dataOfConst } from "./tensor-proto.js";

/** Gemm and MatMul: a FullyConnected where the weights are constant (or QDQ constants), MatMul otherwise. */

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

export const DENSE_CONVERTERS: Record<string, Converter> = {
  Gemm: gemm,
  MatMul: matMul,
};
