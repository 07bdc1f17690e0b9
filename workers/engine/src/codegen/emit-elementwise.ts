import type { Graph } from "../ir/graph.js";
import type { Node, NodeOf } from "../ir/ops.js";
import { elementCount, type Tensor } from "../ir/tensor.js";
import { cDims, cInt, dims4 } from "./c-source.js";
import { activationRange, type OpEmitter, rank4, scaleOf, suffixOf, unsupported, zeroPointOf } from "./emitter.js";
import { quantizeMultiplier, quantizeMultiplierSmallerThanOne } from "./fixed-point.js";

/**
 * Elementwise and data-movement ops: ADD, MUL (with 4-D broadcasting), QUANTIZE between integer types
 * (requantize), PAD, CONCATENATION and a RESHAPE that could not be aliased (a copy).
 *
 * ADD's Prepare (TFLite Micro add_common.cc): left_shift = 20 (int8) or 15 (int16); twice_max = 2 · max(s1, s2);
 * QuantizeMultiplierSmallerThanOneExp of s1 / twice_max, s2 / twice_max and twice_max / (2^left_shift · s_out).
 * MUL: QuantizeMultiplier(s1 · s2 / s_out). Requantize: QuantizeMultiplier(s_in / s_out). All in double from
 * the float32 scales.
 */

const tensorOf = (graph: Graph, name: string) => graph.tensors.get(name) as Tensor;

function binary(node: Node, graph: Graph) {
  const a = tensorOf(graph, node.inputs[0] as string);
  const b = tensorOf(graph, node.inputs[1] as string);
  const out = tensorOf(graph, node.outputs[0] as string);
  const suffix = suffixOf(node, out);
  for (const t of [a, b]) {
    if (suffixOf(node, t) !== suffix) unsupported(node, "inputs and output of different integer types");
    rank4(node, t);
  }
  return { a, b, out, suffix };
}

const arithmeticEmitter = (kind: "add" | "mul"): OpEmitter => ({
  kernels: (node, graph) => [`tml_${kind}_${binary(node, graph).suffix}`],
  scratchBytes: () => 0,
  emit(node, ctx) {
    const { a, b, out, suffix } = binary(node, ctx.graph);
    const act = activationRange(node, (node as NodeOf<"Add">).attrs.activation, out);
    const s8 = suffix === "s8";
    const offsets = [
      `.input1_offset = ${s8 ? -zeroPointOf(a) : 0}`,
      `.input2_offset = ${s8 ? -zeroPointOf(b) : 0}`,
      `.output_offset = ${s8 ? zeroPointOf(out) : 0}`,
    ];
    let fields: string[];
    if (kind === "add") {
      const leftShift = s8 ? 20 : 15;
      const twiceMax = 2 * Math.max(scaleOf(a), scaleOf(b));
      const m1 = quantizeMultiplierSmallerThanOne(scaleOf(a) / twiceMax);
      const m2 = quantizeMultiplierSmallerThanOne(scaleOf(b) / twiceMax);
      const mo = quantizeMultiplierSmallerThanOne(twiceMax / (2 ** leftShift * scaleOf(out)));
      fields = [
        ...offsets,
        `.left_shift = ${leftShift}`,
        `.input1_multiplier = ${cInt(m1.multiplier)}, .input1_shift = ${m1.shift}`,
        `.input2_multiplier = ${cInt(m2.multiplier)}, .input2_shift = ${m2.shift}`,
        `.output_multiplier = ${cInt(mo.multiplier)}, .output_shift = ${mo.shift}`,
      ];
    } else {
      const m = quantizeMultiplier((scaleOf(a) * scaleOf(b)) / scaleOf(out));
      fields = [...offsets, `.output_multiplier = ${cInt(m.multiplier)}, .output_shift = ${m.shift}`];
    }
    fields.push(`.activation = { ${cInt(act.min)}, ${cInt(act.max)} }`);
    const id = ctx.id;
    return {
      definitions: [
        `static const tml_${kind}_params ${id}_params = { ${fields.join(", ")} };\n`,
        `static const tml_dims ${id}_input1_dims = ${cDims(dims4(a.shape))}, ${id}_input2_dims = ${cDims(dims4(b.shape))}, ${id}_output_dims = ${cDims(dims4(out.shape))};\n`,
      ],
      call: `tml_${kind}_${suffix}(&${id}_params, &${id}_input1_dims, ${ctx.ptr(a.name)}, &${id}_input2_dims, ${ctx.ptr(b.name)}, &${id}_output_dims, ${ctx.ptr(out.name)})`,
    };
  },
});

export const addEmitter = arithmeticEmitter("add");
export const mulEmitter = arithmeticEmitter("mul");

function requantizeKernel(node: Node, graph: Graph): string {
  const input = tensorOf(graph, node.inputs[0] as string);
  const output = tensorOf(graph, node.outputs[0] as string);
  if (!input.quant || input.dtype === "float32" || input.dtype === "float16") {
    unsupported(
      node,
      `${input.dtype} → ${output.dtype} (float tensors inside the model; the generated C takes integer input)`,
    );
  }
  return `tml_requantize_${suffixOf(node, input)}_${suffixOf(node, output)}`;
}

export const quantizeEmitter: OpEmitter = {
  kernels: (node, graph) => [requantizeKernel(node, graph)],
  scratchBytes: () => 0,
  emit(node, ctx) {
    const kernel = requantizeKernel(node, ctx.graph);
    const input = ctx.tensor(node.inputs[0] as string);
    const output = ctx.tensor(node.outputs[0] as string);
    const m = quantizeMultiplier(scaleOf(input) / scaleOf(output));
    return {
      definitions: [
        `static const tml_requantize_params ${ctx.id}_params = { .input_zero_point = ${zeroPointOf(input)}, .output_zero_point = ${zeroPointOf(output)}, .multiplier = ${cInt(m.multiplier)}, .shift = ${m.shift} };\n`,
      ],
      call: `${kernel}(&${ctx.id}_params, ${elementCount(input.shape)}, ${ctx.ptr(input.name)}, ${ctx.ptr(output.name)})`,
    };
  },
};

export const padEmitter: OpEmitter = {
  kernels: (node, graph) => [`tml_pad_${suffixOf(node, tensorOf(graph, node.outputs[0] as string))}`],
  scratchBytes: () => 0,
  emit(node, ctx) {
    const pad = node as NodeOf<"Pad">;
    const input = ctx.tensor(pad.inputs[0] as string);
    const output = ctx.tensor(pad.outputs[0] as string);
    rank4(pad, input);
    const suffix = suffixOf(pad, output);
    const pads = [...Array.from({ length: 4 - pad.attrs.pads.length }, () => [0, 0]), ...pad.attrs.pads];
    const scale = scaleOf(output);
    const raw = pad.attrs.value / scale;
    const value = zeroPointOf(output) + (raw < 0 ? -Math.round(-raw) : Math.round(raw));
    const id = ctx.id;
    return {
      definitions: [
        `static const tml_pad_params ${id}_params = { .before = ${cDims(pads.map((p) => p[0] as number))}, .after = ${cDims(pads.map((p) => p[1] as number))} };\n`,
        `static const tml_dims ${id}_input_dims = ${cDims(dims4(input.shape))}, ${id}_output_dims = ${cDims(dims4(output.shape))};\n`,
      ],
      call: `tml_pad_${suffix}(&${id}_params, &${id}_input_dims, ${ctx.ptr(input.name)}, ${value}, &${id}_output_dims, ${ctx.ptr(output.name)})`,
    };
  },
};

export const concatEmitter: OpEmitter = {
  kernels: (node, graph) => [`tml_concat_${suffixOf(node, tensorOf(graph, node.outputs[0] as string))}`],
  scratchBytes: () => 0,
  emit(node, ctx) {
    const concat = node as NodeOf<"Concat">;
    const output = ctx.tensor(concat.outputs[0] as string);
    const suffix = suffixOf(concat, output);
    const inputs = concat.inputs.map((n) => ctx.tensor(n));
    for (const t of inputs) {
      if (scaleOf(t) !== scaleOf(output) || zeroPointOf(t) !== zeroPointOf(output)) {
        unsupported(concat, `input "${t.name}" is quantized differently from the output (TFLite Micro requires equal)`);
      }
    }
    if (concat.attrs.activation !== "none") unsupported(concat, `fused ${concat.attrs.activation}`);
    const rank = output.shape.length;
    const axis = concat.attrs.axis < 0 ? concat.attrs.axis + rank : concat.attrs.axis;
    const outer = output.shape.slice(0, axis).reduce((x, y) => x * y, 1);
    const inner = output.shape.slice(axis + 1).reduce((x, y) => x * y, 1);
    const sizes = ctx.array(
      "int32_t",
      "axis_sizes",
      inputs.map((t) => t.shape[axis] as number),
    );
    const type = suffix === "s8" ? "int8_t" : "int16_t";
    const id = ctx.id;
    return {
      definitions: [],
      prelude: [`const ${type} *const ${id}_inputs[] = { ${inputs.map((t) => ctx.ptr(t.name)).join(", ")} };`],
      call: `tml_concat_${suffix}(${inputs.length}, ${id}_inputs, ${sizes}, ${outer}, ${inner}, ${ctx.ptr(output.name)})`,
    };
  },
};

/** A Reshape the planner aliased costs nothing; one it could not alias (input and output of the model) copies. */
export const reshapeEmitter: OpEmitter = {
  kernels: (node, graph) => [`tml_reshape_${suffixOf(node, tensorOf(graph, node.outputs[0] as string))}`],
  scratchBytes: () => 0,
  emit(node, ctx) {
    const input = ctx.tensor(node.inputs[0] as string);
    const output = ctx.tensor(node.outputs[0] as string);
    return {
      definitions: [],
      call: `tml_reshape_${suffixOf(node, output)}(${elementCount(input.shape)}, ${ctx.ptr(input.name)}, ${ctx.ptr(output.name)})`,
    };
  },
};
