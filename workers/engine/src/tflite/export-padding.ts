import type { NodeOf, Padding } from "../ir/ops.js";
import { samePadding } from "../ir/shape-inference.js";
import type { Tensor } from "../ir/tensor.js";
import { type ExportPlan, options, type PlannedOp } from "./export-plan.js";
import { PAD_OPTIONS, PADDING } from "./schema.js";

/** SAME or VALID when explicit padding equals one of them; the padding itself otherwise. */
export function namedPadding(
  padding: Padding,
  input: Tensor,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): Padding {
  if (padding === "same" || padding === "valid") return padding;
  if (padding.every((p) => p === 0)) return "valid";
  const same = samePadding(input.shape[1] ?? 0, input.shape[2] ?? 0, kernel, strides, dilations);
  return same.every((p, i) => p === padding[i]) ? "same" : padding;
}

/**
 * Convolutions with explicit padding that is neither SAME nor VALID become PAD (with the input's zero point,
 * which is what a convolution pads with) followed by a VALID convolution.
 */
export function padForConvolution(
  node: NodeOf<"Conv2D" | "DepthwiseConv2D">,
  plan: ExportPlan,
  kernel: [number, number],
): { input: number; padding: number; pre: PlannedOp[] } {
  const x = plan.tensor(node.inputs[0] as string);
  const p = namedPadding(node.attrs.padding, x, kernel, node.attrs.strides, node.attrs.dilations);
  if (p === "same") return { input: plan.index(x.name), padding: PADDING.SAME, pre: [] };
  if (p === "valid") return { input: plan.index(x.name), padding: PADDING.VALID, pre: [] };
  const [top, left, bottom, right] = p;
  const shape = [x.shape[0] ?? 1, (x.shape[1] ?? 0) + top + bottom, (x.shape[2] ?? 0) + left + right, x.shape[3] ?? 0];
  const padded = plan.add(`${x.name}_padded`, { dtype: x.dtype, shape, ...(x.quant ? { quant: x.quant } : {}) });
  const paddings = plan.int32Constant(`${node.name}/paddings`, [0, 0, top, bottom, left, right, 0, 0], [4, 2]);
  const pad: PlannedOp = {
    builtin: "PAD",
    inputs: [plan.index(x.name), paddings],
    outputs: [padded],
    options: options(PAD_OPTIONS, {}),
  };
  return { input: padded, padding: PADDING.VALID, pre: [pad] };
}
