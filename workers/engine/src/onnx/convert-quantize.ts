import type { DType } from "../ir/dtype.js";
import type { QuantParams } from "../ir/tensor.js";
import type { NodeAttributes } from "./attributes.js";
import type { ImportContext } from "./context.js";
import { type Converter, samePads, simple } from "./convert-common.js";
import { castTarget } from "./fold-rule.js";
import { invalid, normalizeAxis } from "./onnx-shapes.js";
import type { OnnxNode } from "./schema.js";
import { dataOfConst, dtypeOfOnnx } from "./tensor-proto.js";

/**
 * QuantizeLinear and DequantizeLinear put their scale and zero point on the IR's integer tensors (QDQ
 * models); a Cast of a run-time tensor is taken only when it changes nothing.
 */

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

export const QUANTIZE_CONVERTERS: Record<string, Converter> = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  Cast: cast,
};
