import { consumerMap, producerMap, replaceUses } from "../ir/graph.js";
import { type Activation, isWeighted, weightChannels } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { realValues } from "../runtime/quant-math.js";
import type { Pass } from "./pass.js";

/**
 * Folds a per-channel affine map that follows a weighted layer into the layer: `Mul` by a constant over the
 * channel (last) axis scales the weights and bias of each output channel, `Add` of such a constant shifts the
 * bias. The layer must have no fused activation and be read only by that Mul/Add; the Add's fused activation
 * moves to the layer. (Keras batch normalization exported to ONNX arrives as such a Mul and Add.)
 */
export const foldScaleShift: Pass = {
  name: "foldScaleShift",
  run(graph) {
    let changed = false;
    for (const node of [...graph.nodes]) {
      if (node.op !== "Mul" && node.op !== "Add") continue;
      if (!graph.nodes.includes(node)) continue;
      const producers = producerMap(graph);
      const consumers = consumerMap(graph);
      const [a, b] = node.inputs as [string, string];
      const constName = graph.tensors.get(b)?.data ? b : graph.tensors.get(a)?.data ? a : undefined;
      if (!constName) continue;
      const xName = constName === b ? a : b;
      const layer = producers.get(xName);
      if (!layer || !isWeighted(layer)) continue;
      if (layer.attrs.activation !== "none" || ("layout" in layer.attrs && layer.attrs.layout !== "NHWC")) continue;
      if ((consumers.get(xName) ?? []).length !== 1 || graph.outputs.includes(xName)) continue;
      const w = graph.tensors.get(layer.inputs[1] as string) as Tensor;
      if (!w.data || w.dtype !== "float32") continue;
      const { count: channels, of: channelOf } = weightChannels(layer.op, w.shape);
      const c = graph.tensors.get(constName) as Tensor;
      const values = realValues(c);
      // Only a constant that varies along the channel axis alone (or is a scalar).
      if (!(values.length === 1 || (values.length === channels && (c.shape.at(-1) ?? 1) === channels))) continue;
      const at = (i: number) => (values.length === 1 ? (values[0] as number) : (values[i] as number));
      const biasName = layer.inputs[2] ?? "";
      const bias = biasName ? realValues(graph.tensors.get(biasName) as Tensor).slice() : new Float32Array(channels);
      if (node.op === "Mul") {
        const weights = realValues(w).slice();
        for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) * at(channelOf(i));
        graph.tensors.set(w.name, { ...w, data: weights });
        for (let ch = 0; ch < channels; ch++) bias[ch] = (bias[ch] as number) * at(ch);
      } else {
        for (let ch = 0; ch < channels; ch++) bias[ch] = (bias[ch] as number) + at(ch);
      }
      const newBias = biasName && (consumers.get(biasName) ?? []).length === 1 ? biasName : `${layer.name}_folded_bias`;
      graph.tensors.set(newBias, { name: newBias, dtype: "float32", shape: [channels], data: bias });
      layer.inputs = [layer.inputs[0] as string, w.name, newBias];
      layer.attrs.activation = (node.attrs as { activation: Activation }).activation;
      const output = node.outputs[0] as string;
      layer.outputs = [output];
      graph.nodes = graph.nodes.filter((n) => n !== node);
      graph.tensors.delete(xName);
      replaceUses(graph, xName, output);
      changed = true;
    }
    return changed;
  },
};
