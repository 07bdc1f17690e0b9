import { type Dataset, sampleOf } from "../dataset/dataset.js";
import type { Graph } from "../ir/graph.js";
import { type Activation, type Node, type OpType, WEIGHTED_OPS } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { ReferenceInterpreter } from "../runtime/interpreter.js";
import { realValues, roundHalfAway } from "../runtime/quant-math.js";
import { type Kernel, REFERENCE_KERNELS, type Value } from "../runtime/reference-kernels.js";

/**
 * Empirical bias correction: quantizing weights shifts the mean of each output channel. The quantized model
 * runs over the samples layer by layer (simulated quantization); before each weighted layer, its
 * pre-activation output is computed from the float model's input to that layer with float weights and from
 * the quantized model's input with quantized weights, and the mean difference per output channel is added
 * to the quantized bias, so that later layers already see corrected values. Returns the layers corrected
 * and the largest correction in units of the bias scale.
 */
export function correctBiases(float: Graph, quantized: Graph, data: Dataset): { layers: number; maxShift: number } {
  const floatRun = new ReferenceInterpreter(float);
  const floatLayers = new Map(float.nodes.filter((n) => WEIGHTED_OPS.has(n.op)).map((n) => [n.name, n]));
  const samples = Array.from({ length: data.count }, (_, i) => sampleOf(data, i));
  const floatInputs = new Map<string, Float32Array[]>();
  const wanted = [...floatLayers.values()].map((n) => n.inputs[0] as string);
  for (const x of samples) {
    const values = floatRun.run([x], {}, wanted);
    wanted.forEach((name, k) => {
      const list = floatInputs.get(name) ?? [];
      list.push(values[k] as Float32Array);
      floatInputs.set(name, list);
    });
  }
  const qRun = new ReferenceInterpreter(quantized);
  let layers = 0;
  let maxShift = 0;
  qRun.runLayerwise(samples, {
    fakeQuant: true,
    beforeNode(layer, read) {
      const floatLayer = floatLayers.get(layer.name);
      if (!floatLayer || !WEIGHTED_OPS.has(layer.op)) return;
      const bias = quantized.tensors.get(layer.inputs[2] as string) as Tensor;
      const channels = bias.shape[0] as number;
      const sum = new Float64Array(channels);
      let rows = 0;
      const fIn = floatInputs.get(floatLayer.inputs[0] as string) as Float32Array[];
      const floatLayerRun = preActivation(float, floatLayer);
      const quantLayerRun = preActivation(quantized, layer);
      samples.forEach((_, s) => {
        const yf = floatLayerRun(fIn[s] as Float32Array);
        const yq = quantLayerRun(read(s, layer.inputs[0] as string));
        for (let k = 0; k < yf.length; k++) {
          const c = k % channels;
          sum[c] = (sum[c] as number) + (yf[k] as number) - (yq[k] as number);
        }
        rows += yf.length / channels;
      });
      const q = bias.data as Int32Array | BigInt64Array;
      for (let c = 0; c < channels; c++) {
        const shift = roundHalfAway(
          (sum[c] as number) / rows / ((bias.quant?.scale[c] ?? bias.quant?.scale[0]) as number),
        );
        maxShift = Math.max(maxShift, Math.abs(shift));
        if (q instanceof BigInt64Array) q[c] = (q[c] as bigint) + BigInt(shift);
        else q[c] = Math.max(-2147483648, Math.min(2147483647, (q[c] as number) + shift));
      }
      qRun.refreshConstant(bias.name);
      layers++;
    },
  });
  return { layers, maxShift };
}

/** A weighted layer's output before its fused activation, as a function of its input (weights decoded once). */
function preActivation(graph: Graph, node: Node): (input: Float32Array) => Float32Array {
  const kernel = REFERENCE_KERNELS[node.op] as Kernel<OpType>;
  const plain = { ...node, attrs: { ...node.attrs, activation: "none" as Activation } };
  const constants = node.inputs.map((name, slot): Value | undefined => {
    if (name === "" || slot === 0) return undefined;
    const t = graph.tensors.get(name) as Tensor;
    return { data: realValues(t), shape: t.shape };
  });
  const inputShape = (graph.tensors.get(node.inputs[0] as string) as Tensor).shape;
  const out = (graph.tensors.get(node.outputs[0] as string) as Tensor).shape;
  return (input) =>
    kernel(plain as never, [{ data: input, shape: inputShape }, ...constants.slice(1)], [out])[0] as Float32Array;
}
