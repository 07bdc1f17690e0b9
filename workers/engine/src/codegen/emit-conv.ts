import type { Graph } from "../ir/graph.js";
import type { Node, NodeOf } from "../ir/ops.js";
import { elementCount, type Tensor } from "../ir/tensor.js";
import { cDims, cInt, dims4 } from "./c-source.js";
import {
  activationRange,
  type EmitContext,
  type EmittedOp,
  type OpEmitter,
  paddingBefore,
  requireNhwc,
  scaleOf,
  suffixOf,
  unsupported,
  zeroPointOf,
} from "./emitter.js";
import { f32, quantizeMultiplier } from "./fixed-point.js";
import { scratchRule } from "./scratch-rules.js";

/**
 * CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: the multiply-accumulate ops. Their Prepare, as TFLite Micro
 * does it (PopulateConvolutionQuantizationParams, GetQuantizedConvolutionMultipler):
 *   per output channel c: M_c = (double)input_scale · (double)filter_scale[c] / (double)output_scale, each scale
 *   the float32 stored in the model, then QuantizeMultiplier(M_c) → multiplier[c], shift[c];
 *   fully connected: one M = (double)input_scale · (double)filter_scale / (double)output_scale, or one per output
 *   unit, as for a convolution, with per-channel weights (tml_fully_connected_per_channel_*).
 * int8 activations pass offsets (−input zero point, +output zero point); int16 (16x8) has zero points 0 and
 * int64 biases.
 */

const tensors = (node: Node, ctx: { tensor(n: string): Tensor }) => ({
  input: ctx.tensor(node.inputs[0] as string),
  filter: ctx.tensor(node.inputs[1] as string),
  bias: node.inputs[2] ? ctx.tensor(node.inputs[2]) : undefined,
  output: ctx.tensor(node.outputs[0] as string),
});

function checkWeights(node: Node, filter: Tensor, bias: Tensor | undefined, suffix: "s8" | "s16"): void {
  if (filter.dtype !== "int8" || !filter.quant || !filter.data) {
    unsupported(
      node,
      `weights "${filter.name}" are ${filter.dtype}${filter.data ? "" : " computed at run time"}; the runtime takes constant int8 weights`,
    );
  }
  const biasType = suffix === "s8" ? "int32" : "int64";
  if (bias && (bias.dtype !== biasType || !bias.data)) {
    unsupported(
      node,
      `bias "${bias.name}" is ${bias.dtype}; ${suffix === "s8" ? "int8" : "int16"} activations take a constant ${biasType} bias`,
    );
  }
}

/** Per-channel multipliers and shifts (a per-tensor filter scale is broadcast, as TFLite does). */
function perChannel(input: Tensor, filter: Tensor, output: Tensor, channels: number) {
  const scales = (filter.quant as NonNullable<Tensor["quant"]>).scale;
  const multiplier: number[] = [];
  const shift: number[] = [];
  for (let c = 0; c < channels; c++) {
    const filterScale = f32((scales.length === 1 ? scales[0] : scales[c]) as number);
    const m = quantizeMultiplier((scaleOf(input) * filterScale) / scaleOf(output));
    multiplier.push(m.multiplier);
    shift.push(m.shift);
  }
  return { multiplier, shift };
}

function emitConvLike(node: NodeOf<"Conv2D"> | NodeOf<"DepthwiseConv2D">, ctx: EmitContext): EmittedOp {
  requireNhwc(node);
  const { input, filter, bias, output } = tensors(node, ctx);
  const suffix = suffixOf(node, input);
  checkWeights(node, filter, bias, suffix);
  if (filter.quant?.zeroPoint.some((z) => z !== 0)) unsupported(node, "weights with a nonzero zero point");
  const depthwise = node.op === "DepthwiseConv2D";
  const [, inH, inW] = input.shape as [number, number, number, number];
  const [, outH, outW, outC] = output.shape as [number, number, number, number];
  const [, kH, kW] = filter.shape as [number, number, number, number];
  const { strides, dilations, padding } = node.attrs;
  const pad = {
    h: paddingBefore(padding, 0, strides[0], dilations[0], inH, kH, outH),
    w: paddingBefore(padding, 1, strides[1], dilations[1], inW, kW, outW),
  };
  const act = activationRange(node, node.attrs.activation, output);
  const q = perChannel(input, filter, output, outC);
  const mult = ctx.array("int32_t", "multiplier", q.multiplier, `${node.name}: per-channel multipliers`);
  const shift = ctx.array("int32_t", "shift", q.shift);
  const id = ctx.id;
  const s8 = suffix === "s8";
  const fields = [
    `.input_offset = ${s8 ? -zeroPointOf(input) : 0}`,
    `.output_offset = ${s8 ? zeroPointOf(output) : 0}`,
    ...(depthwise ? [`.depth_multiplier = ${(node as NodeOf<"DepthwiseConv2D">).attrs.depthMultiplier}`] : []),
    `.stride = { ${strides[0]}, ${strides[1]} }`,
    `.padding = { ${pad.h}, ${pad.w} }`,
    `.dilation = { ${dilations[0]}, ${dilations[1]} }`,
    `.activation = { ${cInt(act.min)}, ${cInt(act.max)} }`,
  ];
  const kernel = depthwise ? `tml_depthwise_conv2d_${suffix}` : `tml_conv2d_${suffix}`;
  const paramsType = depthwise ? "tml_dw_conv_params" : "tml_conv_params";
  const definitions = [
    `static const ${paramsType} ${id}_params = { ${fields.join(", ")} };\n`,
    `static const tml_per_channel_quant_params ${id}_quant = { ${mult}, ${shift} };\n`,
    `static const tml_dims ${id}_input_dims = ${cDims(dims4(input.shape))}, ${id}_filter_dims = ${cDims(dims4(filter.shape))}, ${id}_output_dims = ${cDims(dims4(output.shape))};\n`,
  ];
  const biasPtr = bias ? ctx.ptr(bias.name) : "NULL";
  return {
    definitions,
    call: `${kernel}(${ctx.scratch}, &${id}_params, &${id}_quant, &${id}_input_dims, ${ctx.ptr(input.name)}, &${id}_filter_dims, ${ctx.ptr(filter.name)}, ${biasPtr}, &${id}_output_dims, ${ctx.ptr(output.name)})`,
    scratchQuery: `${kernel}_get_buffer_size(&${id}_params, &${id}_input_dims, &${id}_filter_dims, &${id}_output_dims)`,
  };
}

const convSuffix = (node: Node, graph: Graph) => suffixOf(node, graph.tensors.get(node.inputs[0] as string) as Tensor);

const convEmitter = (op: "conv2d" | "depthwise_conv2d"): OpEmitter => ({
  kernels: (node, graph) => [`tml_${op}_${convSuffix(node, graph)}`],
  scratchBytes: (node, graph) => {
    const t = tensors(node, { tensor: (n) => graph.tensors.get(n) as Tensor });
    return scratchRule(`tml_${op}_${convSuffix(node, graph)}`, {
      input: dims4(t.input.shape),
      filter: dims4(t.filter.shape),
      output: dims4(t.output.shape),
    });
  },
  emit: (node, ctx) => emitConvLike(node as NodeOf<"Conv2D"> | NodeOf<"DepthwiseConv2D">, ctx),
});

export const conv2dEmitter = convEmitter("conv2d");
export const depthwiseConv2dEmitter = convEmitter("depthwise_conv2d");

/** FULLY_CONNECTED dims: input {batches, 1, 1, depth}, filter {out, 1, 1, depth}, output {batches, 1, 1, out}. */
function fcDims(input: Tensor, filter: Tensor) {
  const [units, depth] = filter.shape as [number, number];
  const batches = elementCount(input.shape) / depth;
  return { input: [batches, 1, 1, depth], filter: [units, 1, 1, depth], output: [batches, 1, 1, units] };
}

/** Per-channel weights (the TF converter's default since TF 2.17) take the per-channel twin of the kernel. */
function fcKernel(node: Node, graph: Graph): string {
  const filter = graph.tensors.get(node.inputs[1] as string) as Tensor;
  const perChannel = (filter.quant?.scale.length ?? 1) > 1;
  return `tml_fully_connected_${perChannel ? "per_channel_" : ""}${convSuffix(node, graph)}`;
}

export const fullyConnectedEmitter: OpEmitter = {
  kernels: (node, graph) => [fcKernel(node, graph)],
  scratchBytes: (node, graph) => {
    const t = tensors(node, { tensor: (n) => graph.tensors.get(n) as Tensor });
    const d = fcDims(t.input, t.filter);
    return scratchRule(fcKernel(node, graph), {
      input: d.input,
      filter: d.filter,
      output: d.output,
    });
  },
  emit(node, ctx) {
    const fc = node as NodeOf<"FullyConnected">;
    const { input, filter, bias, output } = tensors(fc, ctx);
    const suffix = suffixOf(fc, input);
    checkWeights(fc, filter, bias, suffix);
    if (filter.shape.length !== 2) unsupported(fc, `weights of rank ${filter.shape.length}`);
    const d = fcDims(input, filter);
    if (!Number.isInteger(d.input[0])) unsupported(fc, "input size is not a multiple of the weights' depth");
    const act = activationRange(fc, fc.attrs.activation, output);
    const kernel = fcKernel(fc, ctx.graph);
    const perChannelWeights = kernel.includes("per_channel");
    const s8 = suffix === "s8";
    const id = ctx.id;
    let quantDefinition: string;
    if (perChannelWeights) {
      if (filter.quant?.zeroPoint.some((z) => z !== 0))
        unsupported(fc, "per-channel weights with a nonzero zero point");
      const q = perChannel(input, filter, output, filter.shape[0] as number);
      const mult = ctx.array("int32_t", "multiplier", q.multiplier, `${fc.name}: per-channel multipliers`);
      const shift = ctx.array("int32_t", "shift", q.shift);
      quantDefinition = `static const tml_per_channel_quant_params ${id}_quant = { ${mult}, ${shift} };\n`;
    } else {
      const m = quantizeMultiplier((scaleOf(input) * scaleOf(filter)) / scaleOf(output));
      quantDefinition = `static const tml_per_tensor_quant_params ${id}_quant = { ${cInt(m.multiplier)}, ${m.shift} };\n`;
    }
    const fields = [
      `.input_offset = ${s8 ? -zeroPointOf(input) : 0}`,
      `.filter_offset = ${-zeroPointOf(filter)}`,
      `.output_offset = ${s8 ? zeroPointOf(output) : 0}`,
      `.activation = { ${cInt(act.min)}, ${cInt(act.max)} }`,
    ];
    return {
      definitions: [
        `static const tml_fc_params ${id}_params = { ${fields.join(", ")} };\n`,
        quantDefinition,
        `static const tml_dims ${id}_input_dims = ${cDims(d.input)}, ${id}_filter_dims = ${cDims(d.filter)}, ${id}_output_dims = ${cDims(d.output)};\n`,
      ],
      call: `${kernel}(${ctx.scratch}, &${id}_params, &${id}_quant, &${id}_input_dims, ${ctx.ptr(input.name)}, &${id}_filter_dims, ${ctx.ptr(filter.name)}, ${bias ? ctx.ptr(bias.name) : "NULL"}, &${id}_output_dims, ${ctx.ptr(output.name)})`,
      scratchQuery: `${kernel}_get_buffer_size(&${id}_filter_dims)`,
    };
  },
};
