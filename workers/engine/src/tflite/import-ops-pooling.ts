import type { OpImporter, OpImporters } from "./import-context.js";
import { POOL_2D_OPTIONS, REDUCER_OPTIONS } from "./schema.js";

const poolImporter =
  (op: "AveragePool2D" | "MaxPool2D"): OpImporter =>
  (ctx) => {
    const o = ctx.options(POOL_2D_OPTIONS);
    ctx.positive([o.filterHeight, o.filterWidth], "filter");
    ctx.positive([o.strideH, o.strideW], "strides");
    return ctx.node(op, [ctx.input(0)], {
      filter: [o.filterHeight, o.filterWidth],
      strides: [o.strideH, o.strideW],
      padding: ctx.padding(o.padding),
      activation: ctx.activation(o.fusedActivationFunction),
      layout: "NHWC",
    });
  };

/** Windowed pooling and the mean over constant axes (global average pooling). */
export const POOLING_IMPORTERS: OpImporters = {
  AVERAGE_POOL_2D: poolImporter("AveragePool2D"),
  MAX_POOL_2D: poolImporter("MaxPool2D"),
  MEAN: (ctx) => {
    const axes = ctx.constantInts(1, "axes");
    if (!axes) return ctx.unsupported("takes its axes from a tensor computed at run time");
    return ctx.node("Mean", [ctx.input(0)], { axes, keepDims: ctx.options(REDUCER_OPTIONS).keepDims });
  },
};
