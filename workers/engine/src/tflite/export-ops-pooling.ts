import type { PoolAttrs } from "../ir/ops.js";
import { namedPadding } from "./export-padding.js";
import {
  ACTIVATION_CODES,
  type OpExporter,
  type OpExporters,
  type OpRefusal,
  type OpRefusals,
  options,
} from "./export-plan.js";
import { PADDING, POOL_2D_OPTIONS, REDUCER_OPTIONS } from "./schema.js";

const poolExporter =
  (builtin: "AVERAGE_POOL_2D" | "MAX_POOL_2D"): OpExporter<"AveragePool2D" | "MaxPool2D"> =>
  (node, plan) => {
    const x = plan.tensor(node.inputs[0] as string);
    const p = namedPadding(node.attrs.padding, x, node.attrs.filter, node.attrs.strides, [1, 1]);
    return [
      {
        builtin,
        inputs: [plan.index(x.name)],
        outputs: node.outputs.map((o) => plan.index(o)),
        options: options(POOL_2D_OPTIONS, {
          padding: p === "same" ? PADDING.SAME : PADDING.VALID,
          strideW: node.attrs.strides[1],
          strideH: node.attrs.strides[0],
          filterWidth: node.attrs.filter[1],
          filterHeight: node.attrs.filter[0],
          fusedActivationFunction: ACTIVATION_CODES[node.attrs.activation],
        }),
      },
    ];
  };

/** Windowed pooling and the mean over axes (global average pooling). */
export const POOLING_EXPORTERS: OpExporters = {
  AveragePool2D: poolExporter("AVERAGE_POOL_2D"),
  MaxPool2D: poolExporter("MAX_POOL_2D"),
  Mean: (node, plan) => [
    {
      builtin: "MEAN",
      inputs: [plan.index(node.inputs[0] as string), plan.int32Constant(`${node.name}/axes`, node.attrs.axes)],
      outputs: [plan.index(node.outputs[0] as string)],
      options: options(REDUCER_OPTIONS, { keepDims: node.attrs.keepDims }),
    },
  ],
};

/**
 * TFLite pools take SAME or VALID padding only: a PAD before them would change what they compute (its zeros
 * would enter the maximum or the average).
 */
const poolRefusal: OpRefusal<"AveragePool2D" | "MaxPool2D"> = (node, graph) => {
  const attrs: PoolAttrs = node.attrs;
  const x = graph.tensors.get(node.inputs[0] as string);
  if (x && Array.isArray(namedPadding(attrs.padding, x, attrs.filter, attrs.strides, [1, 1]))) {
    return `${node.op} (explicit padding other than SAME or VALID)`;
  }
  return undefined;
};

export const POOLING_REFUSALS: OpRefusals = { AveragePool2D: poolRefusal, MaxPool2D: poolRefusal };
