import type { Graph } from "../ir/graph.js";
import type { Node, NodeOf } from "../ir/ops.js";
import { elementCount, type Tensor } from "../ir/tensor.js";
import { cInt } from "./c-source.js";
import { type OpEmitter, scaleOf, suffixOf, unsupported, zeroPointOf } from "./emitter.js";
import { calculateInputRadius, f32, frexp, quantizeMultiplier, softmaxInputScaling } from "./fixed-point.js";

/**
 * SOFTMAX, LOGISTIC and TANH: fixed-point exp and sigmoid with input scaling precomputed as TFLite Micro's
 * Prepare does (see tml_types.h): softmax int8 through PreprocessSoftmaxScaling (5 integer bits) and
 * diff_min; softmax int16 through QuantizeMultiplier(input_scale · beta / (10 / 65535)) and two lookup tables
 * the runtime fills at init (tml_gen_lut_s16); logistic and tanh int8 through frexp of input_scale · 2^27
 * (4 integer bits) and the input radius.
 */

const io = (node: Node, graph: Graph) => ({
  input: graph.tensors.get(node.inputs[0] as string) as Tensor,
  output: graph.tensors.get(node.outputs[0] as string) as Tensor,
});

function softmaxKernel(node: Node, graph: Graph): string {
  const { input, output } = io(node, graph);
  const i = suffixOf(node, input);
  const o = suffixOf(node, output);
  if (i === "s8" && o === "s8") return "tml_softmax_s8";
  if (i === "s8" && o === "s16") return "tml_softmax_s8_s16";
  if (i === "s16" && o === "s16") return "tml_softmax_s16";
  return unsupported(node, "int16 input with int8 output");
}

export const softmaxEmitter: OpEmitter = {
  kernels: (node, graph) => {
    const kernel = softmaxKernel(node, graph);
    // int16 softmax's lookup tables are filled at init by tml_gen_lut_s16 (its own source file).
    return kernel === "tml_softmax_s16" ? [kernel, "tml_gen_lut_s16"] : [kernel];
  },
  scratchBytes: () => 0,
  emit(node, ctx) {
    const softmax = node as NodeOf<"Softmax">;
    const { input, output } = io(softmax, ctx.graph);
    const kernel = softmaxKernel(softmax, ctx.graph);
    const rowSize = input.shape.at(-1) as number;
    const rows = elementCount(input.shape) / rowSize;
    const id = ctx.id;
    const call = (params: string) =>
      `${kernel}(&${params}, ${rows}, ${rowSize}, ${ctx.ptr(input.name)}, ${ctx.ptr(output.name)})`;
    if (kernel !== "tml_softmax_s16") {
      const p = softmaxInputScaling(softmax.attrs.beta, scaleOf(input));
      return {
        definitions: [
          `static const tml_softmax_params ${id}_params = { .input_multiplier = ${cInt(p.inputMultiplier)}, .input_left_shift = ${p.inputLeftShift}, .diff_min = ${cInt(p.diffMin)} };\n`,
        ],
        call: call(`${id}_params`),
      };
    }
    const m = quantizeMultiplier((scaleOf(input) * f32(softmax.attrs.beta)) / (10 / 65535));
    return {
      definitions: [
        `static int16_t ${id}_exp_lut[513], ${id}_one_over_one_plus_x_lut[513];\n`,
        `static const tml_softmax_s16_params ${id}_params = { .input_multiplier = ${cInt(m.multiplier)}, .input_left_shift = ${m.shift}, .exp_lut = ${id}_exp_lut, .one_over_one_plus_x_lut = ${id}_one_over_one_plus_x_lut };\n`,
      ],
      init: [
        `tml_gen_lut_s16(tml_model_exp, -10.0f, 0.0f, -1.0f, 1.0f, ${id}_exp_lut);`,
        `tml_gen_lut_s16(tml_model_one_over_one_plus_x, 0.0f, 1.0f, -1.0f, 1.0f, ${id}_one_over_one_plus_x_lut);`,
      ],
      call: call(`${id}_params`),
    };
  },
};

/**
 * LOGISTIC / TANH int8 (TFLite Micro's logistic_common.cc and tanh.cc Prepare): real = input_scale · 2^(31 − 4),
 * q = frexp(real, &input_left_shift), input_multiplier = round(q · 2^31) (no renormalisation step, unlike
 * QuantizeMultiplier), input_range_radius = CalculateInputRadius(4, input_left_shift).
 */
export function sigmoidInputScaling(inputScale: number) {
  const { mantissa, exponent } = frexp(inputScale * 2 ** 27);
  const multiplier = mantissa < 0 ? -Math.round(-mantissa * 2 ** 31) : Math.round(mantissa * 2 ** 31);
  return { inputMultiplier: multiplier, inputLeftShift: exponent, inputRangeRadius: calculateInputRadius(4, exponent) };
}

const sigmoidEmitter = (kind: "logistic" | "tanh"): OpEmitter => ({
  kernels: (node, graph) => {
    const { input } = io(node, graph);
    if (suffixOf(node, input) !== "s8") unsupported(node, "int16 input (the runtime has int8 LOGISTIC/TANH only)");
    return [`tml_${kind}_s8`];
  },
  scratchBytes: () => 0,
  emit(node, ctx) {
    const { input, output } = io(node, ctx.graph);
    if (suffixOf(node, input) !== "s8" || suffixOf(node, output) !== "s8") {
      unsupported(node, "int16 tensors (the runtime has int8 LOGISTIC/TANH only)");
    }
    const p = sigmoidInputScaling(scaleOf(input));
    const id = ctx.id;
    return {
      definitions: [
        `static const tml_sigmoid_params ${id}_params = { .input_zero_point = ${zeroPointOf(input)}, .input_range_radius = ${cInt(p.inputRangeRadius)}, .input_multiplier = ${cInt(p.inputMultiplier)}, .input_left_shift = ${p.inputLeftShift} };\n`,
      ],
      call: `tml_${kind}_s8(&${id}_params, ${elementCount(input.shape)}, ${ctx.ptr(input.name)}, ${ctx.ptr(output.name)})`,
    };
  },
});

export const logisticEmitter = sigmoidEmitter("logistic");
export const tanhEmitter = sigmoidEmitter("tanh");
