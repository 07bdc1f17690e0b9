import { EngineError } from "../errors.js";
import type { DType, TensorData } from "../ir/dtype.js";
import type { QuantParams, Tensor } from "../ir/tensor.js";
import { activationOf, type OpExporters, options, simple } from "./export-plan.js";
import { CONCATENATION_OPTIONS, PAD_OPTIONS, PADV2_OPTIONS, RESHAPE_OPTIONS, TRANSPOSE_OPTIONS } from "./schema.js";

/** `value` as a quantized integer of x's parameters, clamped to [lo, hi]. */
const quantized = (value: number, q: QuantParams | undefined, lo: number, hi: number) =>
  Math.min(hi, Math.max(lo, Math.round(value / (q?.scale[0] ?? 1)) + (q?.zeroPoint[0] ?? 0)));

/** PADV2's fill value in each dtype it takes: quantized with x's parameters when x is quantized. */
const PAD_VALUE_OF_DTYPE: Partial<Record<DType, (value: number, q: QuantParams | undefined) => TensorData>> = {
  float32: (value) => Float32Array.of(value),
  int8: (value, q) => Int8Array.of(quantized(value, q, -128, 127)),
  uint8: (value, q) => Uint8Array.of(quantized(value, q, 0, 255)),
  int16: (value, q) => Int16Array.of(quantized(value, q, -32768, 32767)),
  int32: (value) => Int32Array.of(Math.round(value)),
};

function padValueData(x: Tensor, value: number): TensorData {
  const fill = PAD_VALUE_OF_DTYPE[x.dtype];
  if (!fill) {
    throw new EngineError("UNSUPPORTED_OPS", `Pad of a ${x.dtype} tensor with value ${value} has no TFLite form`, {
      ops: ["Pad"],
    });
  }
  return fill(value, x.quant);
}

/**
 * Ops that move or pad data. TFLite takes their shape, permutation and paddings as int32 constant inputs, which
 * the plan adds to the file.
 */
export const SHAPE_EXPORTERS: OpExporters = {
  Reshape: (node, plan) => [
    {
      // The new shape goes both in the options and as a constant second input: TFLite reads the input,
      // older readers the options.
      builtin: "RESHAPE",
      inputs: [plan.index(node.inputs[0] as string), plan.int32Constant(`${node.name}/shape`, node.attrs.shape)],
      outputs: [plan.index(node.outputs[0] as string)],
      options: options(RESHAPE_OPTIONS, { newShape: node.attrs.shape }),
    },
  ],
  Transpose: (node, plan) => [
    {
      builtin: "TRANSPOSE",
      inputs: [plan.index(node.inputs[0] as string), plan.int32Constant(`${node.name}/perm`, node.attrs.perm)],
      outputs: [plan.index(node.outputs[0] as string)],
      options: options(TRANSPOSE_OPTIONS, {}),
    },
  ],
  Concat: (node, plan) =>
    simple("CONCATENATION", CONCATENATION_OPTIONS, () => ({ axis: node.attrs.axis, ...activationOf(node) }))(
      node,
      plan,
    ),
  Pad: (node, plan) => {
    const x = plan.tensor(node.inputs[0] as string);
    const paddings = plan.int32Constant(`${node.name}/paddings`, node.attrs.pads.flat(), [node.attrs.pads.length, 2]);
    const inputs = [plan.index(x.name), paddings];
    const outputs = [plan.index(node.outputs[0] as string)];
    // PAD fills with zero (the zero point when quantized); another value needs PADV2 and a constant of x's type.
    if (node.attrs.value === 0) return [{ builtin: "PAD", inputs, outputs, options: options(PAD_OPTIONS, {}) }];
    const value = padValueData(x, node.attrs.value);
    const constant = plan.add(`${node.name}/constant_values`, {
      dtype: x.dtype,
      shape: [],
      data: value,
      ...(x.quant
        ? { quant: { scale: [x.quant.scale[0] as number], zeroPoint: [x.quant.zeroPoint[0] as number] } }
        : {}),
    });
    return [{ builtin: "PADV2", inputs: [...inputs, constant], outputs, options: options(PADV2_OPTIONS, {}) }];
  },
};
