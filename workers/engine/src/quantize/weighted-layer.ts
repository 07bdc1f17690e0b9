import { EngineError } from "../errors.js";
import { uniqueName } from "../ir/graph.js";
import { isWeighted, type Node, OPS, weightChannels } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { realValues } from "../runtime/quant-math.js";
import { quantizeWeights } from "./params.js";
import type { ConstantsContext } from "./quant-rule.js";

/**
 * The constants of a weighted layer: weights int8 symmetric, one scale per output channel or per tensor; bias
 * int32 (int64 under 16-bit activations) with scale = input scale × weight scale, of the weights' granularity, and
 * zero point 0, as the TFLite integer specification wants. A layer without bias gets a zero one: the kernels always
 * read one.
 */
export const weightedLayerOperands =
  (granularity: "per-channel" | "per-tensor") =>
  (node: Node, ctx: ConstantsContext): void =>
    quantizeWeightedOperands(node, ctx, granularity);

function quantizeWeightedOperands(
  node: Node,
  { graph, bits, quantizedWeights }: ConstantsContext,
  granularity: "per-channel" | "per-tensor",
): void {
  if (!isWeighted(node)) throw new EngineError("INVALID_GRAPH", `${node.op} "${node.name}" is not a weighted layer`);
  const w = graph.tensors.get(node.inputs[1] as string) as Tensor;
  if (!w.data) throw new EngineError("UNSUPPORTED_MODEL", `${node.op} "${node.name}" has weights computed at run time`);
  const axis = granularity === "per-channel" ? OPS[node.op].weights?.outputChannelAxis : undefined;
  const wq = quantizeWeights(realValues(w), w.shape, axis);
  const wName = quantizedWeights.has(w.name) ? uniqueName(graph, `${w.name}_${node.name}`) : w.name;
  graph.tensors.set(wName, { name: wName, dtype: "int8", shape: [...w.shape], data: wq.data, quant: wq.quant });
  quantizedWeights.add(wName);
  const inScale = (graph.tensors.get(node.inputs[0] as string) as Tensor).quant?.scale[0] as number;
  const channels = weightChannels(node.op, w.shape).count;
  const biasName = node.inputs[2] ?? "";
  const biasReal = biasName ? realValues(graph.tensors.get(biasName) as Tensor) : new Float32Array(channels);
  // The bias has the weights' granularity: one scale per output channel beside per-channel weights, one scale
  // (no axis) beside per-tensor weights. TFLite's builtin kernels read a per-tensor layer's bias scale as a single
  // value, and refuse a layer whose bias carries a vector of them.
  const biasScale = wq.quant.scale.map((s) => inScale * s);
  const biasScaleOf = (c: number) => (biasScale.length === 1 ? biasScale[0] : biasScale[c]) as number;
  const newBias = uniqueName(graph, `${node.name}_bias_q`);
  const values = Array.from({ length: channels }, (_, c) => Math.round((biasReal[c] as number) / biasScaleOf(c)));
  graph.tensors.set(newBias, {
    name: newBias,
    dtype: bits === 16 ? "int64" : "int32",
    shape: [channels],
    data:
      bits === 16
        ? BigInt64Array.from(values, (v) => BigInt(v))
        : Int32Array.from(values, (v) => Math.max(-2147483648, Math.min(2147483647, v))),
    quant: {
      scale: biasScale,
      zeroPoint: new Array<number>(biasScale.length).fill(0),
      ...(wq.quant.axis === undefined ? {} : { axis: 0 }),
    },
  });
  node.inputs = [node.inputs[0] as string, wName, newBias];
}
