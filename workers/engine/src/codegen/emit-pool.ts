import type { Graph } from "../ir/graph.js";
import type { Node, NodeOf } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { cDims, cInt, dims4 } from "./c-source.js";
import {
  activationRange,
  type OpEmitter,
  paddingBefore,
  requireNhwc,
  scaleOf,
  suffixOf,
  unsupported,
  zeroPointOf,
} from "./emitter.js";
import { quantizeMultiplier } from "./fixed-point.js";
import { scratchRule } from "./scratch-rules.js";

/**
 * AVERAGE_POOL_2D, MAX_POOL_2D and MEAN over H and W. Pooling keeps its input's scale and zero point (TFLite's
 * constraint), so its only parameters are the window geometry and the activation clamp; MEAN over H and W
 * requantizes with QuantizeMultiplier((double)input_scale / (double)output_scale), also when input and output
 * share quantization (as TFLite Micro computes it).
 */

const io = (node: Node, graph: Graph) => ({
  input: graph.tensors.get(node.inputs[0] as string) as Tensor,
  output: graph.tensors.get(node.outputs[0] as string) as Tensor,
});

const poolEmitter = (kind: "avgpool" | "maxpool"): OpEmitter => ({
  kernels: (node, graph) => [`tml_${kind}_${suffixOf(node, io(node, graph).input)}`],
  scratchBytes: (node, graph) => {
    const { input, output } = io(node, graph);
    return scratchRule(`tml_${kind}_${suffixOf(node, input)}`, {
      input: dims4(input.shape),
      output: dims4(output.shape),
    });
  },
  emit(node, ctx) {
    const pool = node as NodeOf<"AveragePool2D"> | NodeOf<"MaxPool2D">;
    requireNhwc(pool);
    const { input, output } = io(pool, ctx.graph);
    const suffix = suffixOf(pool, input);
    if (scaleOf(input) !== scaleOf(output) || zeroPointOf(input) !== zeroPointOf(output)) {
      unsupported(pool, "input and output quantization differ (TFLite pooling keeps them equal)");
    }
    const [, inH, inW] = input.shape as number[];
    const [, outH, outW] = output.shape as number[];
    const { filter, strides, padding } = pool.attrs;
    const pad = {
      h: paddingBefore(padding, 0, strides[0], 1, inH as number, filter[0], outH as number),
      w: paddingBefore(padding, 1, strides[1], 1, inW as number, filter[1], outW as number),
    };
    const act = activationRange(pool, pool.attrs.activation, output);
    const id = ctx.id;
    const kernel = `tml_${kind}_${suffix}`;
    const dims = `&${id}_input_dims, ${ctx.ptr(input.name)}, &${id}_filter_dims, &${id}_output_dims, ${ctx.ptr(output.name)}`;
    return {
      definitions: [
        `static const tml_pool_params ${id}_params = { .stride = { ${strides[0]}, ${strides[1]} }, .padding = { ${pad.h}, ${pad.w} }, .activation = { ${cInt(act.min)}, ${cInt(act.max)} } };\n`,
        `static const tml_dims ${id}_input_dims = ${cDims(dims4(input.shape))}, ${id}_filter_dims = { 1, ${filter[0]}, ${filter[1]}, 1 }, ${id}_output_dims = ${cDims(dims4(output.shape))};\n`,
      ],
      call:
        kind === "avgpool" ? `${kernel}(${ctx.scratch}, &${id}_params, ${dims})` : `${kernel}(&${id}_params, ${dims})`,
      ...(kind === "avgpool"
        ? { scratchQuery: `${kernel}_get_buffer_size(&${id}_input_dims, &${id}_output_dims)` }
        : {}),
    };
  },
});

export const avgPoolEmitter = poolEmitter("avgpool");
export const maxPoolEmitter = poolEmitter("maxpool");

export const meanEmitter: OpEmitter = {
  kernels: (node, graph) => [`tml_mean_${suffixOf(node, io(node, graph).input)}`],
  scratchBytes: () => 0,
  emit(node, ctx) {
    const mean = node as NodeOf<"Mean">;
    const { input, output } = io(mean, ctx.graph);
    const suffix = suffixOf(mean, input);
    const axes = [...mean.attrs.axes].map((a) => (a < 0 ? a + input.shape.length : a)).sort();
    if (input.shape.length !== 4 || axes.join(",") !== "1,2") {
      unsupported(
        mean,
        `mean over axes [${mean.attrs.axes}] of a rank-${input.shape.length} tensor (the runtime reduces H and W of NHWC)`,
      );
    }
    const m = quantizeMultiplier(scaleOf(input) / scaleOf(output));
    // tml_types.h offers a plain-mean path (same_quantization = 1) for equal quantization, but TFLite Micro
    // reduces H and W of a 4-D tensor with the multiplier even then (checked byte for byte in codegen.test.ts).
    const id = ctx.id;
    const outDims = [input.shape[0] as number, 1, 1, input.shape[3] as number];
    return {
      definitions: [
        `static const tml_mean_params ${id}_params = { .same_quantization = 0, .input_zero_point = ${zeroPointOf(input)}, .output_zero_point = ${zeroPointOf(output)}, .multiplier = ${cInt(m.multiplier)}, .shift = ${m.shift} };\n`,
        `static const tml_dims ${id}_input_dims = ${cDims(dims4(input.shape))}, ${id}_output_dims = ${cDims(outDims)};\n`,
      ],
      call: `tml_mean_${suffix}(&${id}_params, &${id}_input_dims, ${ctx.ptr(input.name)}, &${id}_output_dims, ${ctx.ptr(output.name)})`,
    };
  },
};
