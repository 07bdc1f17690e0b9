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
function sigmoidInputScaling(inputScale: number) {
  const { mantissa, exponent } = frexp(inputScale * 2 ** 27);
  const multiplier = mantissa < 0 ? -Math.round(-mantissa * 2 ** 31) : Math.round(mantissa * 2 ** 31);
  return { inputMultiplier: multiplier, inputLeftShift: exponent, inputRangeRadius: calculateInputRadius(4, exponent) };
}

/**
 * LOGISTIC / TANH int16 (TFLite Micro's logistic_common.cc / tanh_common.cc Prepare, 3 integer bits in): with
 * log2r = round(log2(input_scale)) computed in float32 (CheckedLog2), input_left_shift = 12 + log2r; a
 * power-of-two scale (|log2 − log2r| < 1e-3) whose shift is 0 (LOGISTIC) or 0 or 1 (TANH) needs no multiplier;
 * otherwise m = input_scale · 4096 · 3 is doubled while m ≤ 32767 / 2 (at most 31 times), input_left_shift
 * counts the doublings and input_multiplier = (int32) m.
 */
function sigmoidInputScalingS16(inputScale: number, kind: "logistic" | "tanh") {
  const x = f32(inputScale);
  const log2 = f32(f32(Math.log(x)) * f32(1 / f32(Math.log(2))));
  const rounded = log2 < 0 ? -Math.round(-log2) : Math.round(log2);
  const powerOfTwo = Math.abs(f32(log2 - rounded)) < f32(1e-3);
  const shift = 12 + rounded;
  if (powerOfTwo && (shift === 0 || (kind === "tanh" && shift === 1))) {
    return { inputMultiplier: 0, inputLeftShift: shift };
  }
  let m = x * 4096 * 3;
  let leftShift = 0;
  while (m <= 32767 / 2 && leftShift <= 30) {
    leftShift++;
    m *= 2;
  }
  return { inputMultiplier: Math.trunc(m), inputLeftShift: leftShift };
}

const sigmoidEmitter = (kind: "logistic" | "tanh"): OpEmitter => ({
  kernels: (node, graph) => {
    const { input, output } = io(node, graph);
    const suffix = suffixOf(node, input);
    if (suffixOf(node, output) !== suffix) unsupported(node, "input and output of different integer types");
    return [`tml_${kind}_${suffix}`];
  },
  scratchBytes: () => 0,
  emit(node, ctx) {
    const { input, output } = io(node, ctx.graph);
    const suffix = suffixOf(node, input);
    const id = ctx.id;
    const call = `tml_${kind}_${suffix}(&${id}_params, ${elementCount(input.shape)}, ${ctx.ptr(input.name)}, ${ctx.ptr(output.name)})`;
    if (suffix === "s16") {
      const p = sigmoidInputScalingS16(scaleOf(input), kind);
      return {
        definitions: [
          `static const tml_sigmoid_s16_params ${id}_params = { .input_multiplier = ${cInt(p.inputMultiplier)}, .input_left_shift = ${p.inputLeftShift} };\n`,
        ],
        call,
      };
    }
    const p = sigmoidInputScaling(scaleOf(input));
    return {
      definitions: [
        `static const tml_sigmoid_params ${id}_params = { .input_zero_point = ${zeroPointOf(input)}, .input_range_radius = ${cInt(p.inputRangeRadius)}, .input_multiplier = ${cInt(p.inputMultiplier)}, .input_left_shift = ${p.inputLeftShift} };\n`,
      ],
      call,
    };
  },
});

export const logisticEmitter = sigmoidEmitter("logistic");
export const tanhEmitter = sigmoidEmitter("tanh");
