import { padForConvolution } from "./export-padding.js";
import { ACTIVATION_CODES, type OpExporters, options } from "./export-plan.js";
import { CONV_2D_OPTIONS, DEPTHWISE_CONV_2D_OPTIONS, FULLY_CONNECTED_OPTIONS } from "./schema.js";

/** Convolutions and fully connected layers: weights and an optional bias as inputs, a fused activation. */
export const CONVOLUTION_EXPORTERS: OpExporters = {
  Conv2D: (node, plan) => {
    const w = plan.tensor(node.inputs[1] as string);
    const { input, padding, pre } = padForConvolution(node, plan, [w.shape[1] ?? 1, w.shape[2] ?? 1]);
    return [
      ...pre,
      {
        builtin: "CONV_2D",
        inputs: [input, plan.index(w.name), plan.index(node.inputs[2] ?? "")],
        outputs: [plan.index(node.outputs[0] as string)],
        options: options(CONV_2D_OPTIONS, {
          padding,
          strideW: node.attrs.strides[1],
          strideH: node.attrs.strides[0],
          fusedActivationFunction: ACTIVATION_CODES[node.attrs.activation],
          dilationWFactor: node.attrs.dilations[1],
          dilationHFactor: node.attrs.dilations[0],
        }),
      },
    ];
  },
  DepthwiseConv2D: (node, plan) => {
    const w = plan.tensor(node.inputs[1] as string);
    const { input, padding, pre } = padForConvolution(node, plan, [w.shape[1] ?? 1, w.shape[2] ?? 1]);
    return [
      ...pre,
      {
        builtin: "DEPTHWISE_CONV_2D",
        inputs: [input, plan.index(w.name), plan.index(node.inputs[2] ?? "")],
        outputs: [plan.index(node.outputs[0] as string)],
        options: options(DEPTHWISE_CONV_2D_OPTIONS, {
          padding,
          strideW: node.attrs.strides[1],
          strideH: node.attrs.strides[0],
          depthMultiplier: node.attrs.depthMultiplier,
          fusedActivationFunction: ACTIVATION_CODES[node.attrs.activation],
          dilationWFactor: node.attrs.dilations[1],
          dilationHFactor: node.attrs.dilations[0],
        }),
      },
    ];
  },
  FullyConnected: (node, plan) => [
    {
      builtin: "FULLY_CONNECTED",
      // An absent bias is written as -1, as the converter does (three inputs keep the op at its int8 version).
      inputs: [
        plan.index(node.inputs[0] as string),
        plan.index(node.inputs[1] as string),
        plan.index(node.inputs[2] ?? ""),
      ],
      outputs: [plan.index(node.outputs[0] as string)],
      options: options(FULLY_CONNECTED_OPTIONS, {
        fusedActivationFunction: ACTIVATION_CODES[node.attrs.activation],
        weightsFormat: 0,
        keepNumDims: node.attrs.keepNumDims,
        asymmetricQuantizeInputs: false,
        quantizedBiasType: 0,
      }),
    },
  ],
};
