import type { OpImporters } from "./import-context.js";
import { CONV_2D_OPTIONS, DEPTHWISE_CONV_2D_OPTIONS, FULLY_CONNECTED_OPTIONS } from "./schema.js";

/** Convolutions and fully connected layers: weights (dequantized explicitly in a hybrid model) and optional bias. */
export const CONVOLUTION_IMPORTERS: OpImporters = {
  CONV_2D: (ctx) => {
    const o = ctx.options(CONV_2D_OPTIONS);
    ctx.positive([o.strideH, o.strideW], "strides");
    ctx.positive([o.dilationHFactor, o.dilationWFactor], "dilations");
    return ctx.node("Conv2D", [ctx.input(0), ctx.weights(1), ctx.input(2)], {
      strides: [o.strideH, o.strideW],
      dilations: [o.dilationHFactor, o.dilationWFactor],
      padding: ctx.padding(o.padding),
      activation: ctx.activation(o.fusedActivationFunction),
      layout: "NHWC",
    });
  },
  DEPTHWISE_CONV_2D: (ctx) => {
    const o = ctx.options(DEPTHWISE_CONV_2D_OPTIONS);
    ctx.positive([o.strideH, o.strideW], "strides");
    ctx.positive([o.dilationHFactor, o.dilationWFactor], "dilations");
    // Old converters wrote depth_multiplier inconsistently; TFLite's kernels follow the shapes, and so do we.
    const channels = ctx.tensor(0)?.shape[3] ?? 0;
    const outChannels = ctx.tensor(1)?.shape[3] ?? 0;
    const depthMultiplier =
      channels > 0 && outChannels > 0 && outChannels % channels === 0 ? outChannels / channels : o.depthMultiplier;
    return ctx.node("DepthwiseConv2D", [ctx.input(0), ctx.weights(1), ctx.input(2)], {
      strides: [o.strideH, o.strideW],
      dilations: [o.dilationHFactor, o.dilationWFactor],
      padding: ctx.padding(o.padding),
      activation: ctx.activation(o.fusedActivationFunction),
      layout: "NHWC",
      depthMultiplier,
    });
  },
  FULLY_CONNECTED: (ctx) => {
    const o = ctx.options(FULLY_CONNECTED_OPTIONS);
    const bias = ctx.input(2);
    const inputs = [ctx.input(0), ctx.weights(1), ...(bias ? [bias] : [])];
    return ctx.node("FullyConnected", inputs, {
      activation: ctx.activation(o.fusedActivationFunction),
      keepNumDims: o.keepNumDims,
    });
  },
};
