import { addTensor, consumerMap, producerMap, uniqueName } from "../ir/graph.js";
import { isWeighted, type Node, weightChannels } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { realValues } from "../runtime/quant-math.js";
import type { Pass } from "./pass.js";

/**
 * Folds inference-mode batch normalization, y = (x − mean) · γ/√(var + ε) + β:
 * - after a Conv2D, DepthwiseConv2D or FullyConnected with constant weights, no fused activation and no
 *   other reader, into that layer: w'[o] = w[o]·k[o], b'[o] = (b[o] − mean[o])·k[o] + β[o], k = γ/√(var+ε);
 * - elsewhere, into Mul(k) and Add(β − mean·k) over the channel axis.
 */
export const foldBatchNorm: Pass = {
  name: "foldBatchNorm",
  run(graph) {
    let changed = false;
    for (const bn of [...graph.nodes]) {
      if (bn.op !== "BatchNorm" || bn.attrs.layout !== "NHWC") continue;
      const [x, gamma, beta, mean, variance] = bn.inputs.map((n) => graph.tensors.get(n)) as Tensor[];
      if (![gamma, beta, mean, variance].every((t) => t?.data)) continue;
      const [g, b, m, v] = [gamma, beta, mean, variance].map((t) => realValues(t as Tensor));
      const channels = (g as Float32Array).length;
      const k = new Float32Array(channels);
      const shift = new Float32Array(channels);
      for (let c = 0; c < channels; c++) {
        k[c] = (g?.[c] as number) / Math.sqrt((v?.[c] as number) + bn.attrs.epsilon);
        shift[c] = (b?.[c] as number) - (m?.[c] as number) * (k[c] as number);
      }
      const producer = producerMap(graph).get((x as Tensor).name);
      const readers = consumerMap(graph).get((x as Tensor).name) ?? [];
      if (
        producer &&
        readers.length === 1 &&
        !graph.outputs.includes((x as Tensor).name) &&
        foldIntoLayer(graph, producer, k, shift)
      ) {
        // The layer now computes the normalized value: it writes the batch norm's output.
        producer.outputs = [bn.outputs[0] as string];
        graph.tensors.delete((x as Tensor).name);
      } else {
        const shape = [channels];
        const kName = addTensor(graph, {
          name: uniqueName(graph, `${bn.name}_scale`),
          dtype: "float32",
          shape,
          data: k,
        }).name;
        const sName = addTensor(graph, {
          name: uniqueName(graph, `${bn.name}_shift`),
          dtype: "float32",
          shape,
          data: shift,
        }).name;
        const mid = addTensor(graph, {
          name: uniqueName(graph, `${bn.name}_scaled`),
          dtype: "float32",
          shape: [...(x as Tensor).shape],
        }).name;
        const mul: Node = {
          name: uniqueName(graph, `${bn.name}_mul`),
          op: "Mul",
          inputs: [(x as Tensor).name, kName],
          outputs: [mid],
          attrs: { activation: "none" },
        };
        const add: Node = {
          name: uniqueName(graph, `${bn.name}_add`),
          op: "Add",
          inputs: [mid, sName],
          outputs: [...bn.outputs],
          attrs: { activation: "none" },
        };
        graph.nodes.splice(graph.nodes.indexOf(bn), 1, mul, add);
        changed = true;
        continue;
      }
      graph.nodes = graph.nodes.filter((n) => n !== bn);
      for (const t of [gamma, beta, mean, variance]) graph.tensors.delete((t as Tensor).name);
      changed = true;
    }
    return changed;
  },
};

/** Scales a layer's weights and bias per output channel; false when the layer cannot take the fold. */
function foldIntoLayer(
  graph: { tensors: Map<string, Tensor> },
  layer: Node,
  k: Float32Array,
  shift: Float32Array,
): boolean {
  if (!isWeighted(layer)) return false;
  const node = layer;
  if (node.attrs.activation !== "none") return false;
  if ("layout" in node.attrs && node.attrs.layout !== "NHWC") return false;
  const w = graph.tensors.get(node.inputs[1] as string);
  if (!w?.data || w.quant) return false;
  const channels = k.length;
  const outChannels = weightChannels(node.op, w.shape);
  if (outChannels.count !== channels) return false;
  const weights = realValues(w).slice();
  for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) * (k[outChannels.of(i)] as number);
  const biasName = node.inputs[2] ?? "";
  const oldBias = biasName ? graph.tensors.get(biasName) : undefined;
  const bias = new Float32Array(channels);
  const ob = oldBias?.data ? realValues(oldBias) : undefined;
  for (let c = 0; c < channels; c++) bias[c] = ((ob?.[c] as number) ?? 0) * (k[c] as number) + (shift[c] as number);
  graph.tensors.set(w.name, { ...w, dtype: "float32", data: weights });
  const newBiasName = biasName || `${node.name}_bias`;
  graph.tensors.set(newBiasName, { name: newBiasName, dtype: "float32", shape: [channels], data: bias });
  node.inputs = [node.inputs[0] as string, w.name, newBiasName];
  return true;
}
