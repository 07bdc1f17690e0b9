import { OPS } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { realValues } from "../runtime/quant-math.js";
import type { Pass } from "./pass.js";

/**
 * Float models may carry quantized or float16 constants read directly by float ops (TFLite "dynamic range"
 * quantization stores convolution weights as int8). The engine optimizes from the real values: every
 * constant that a node with a float32 output reads is turned into float32 (dequantized or decoded).
 */
export const dequantizeWeights: Pass = {
  name: "dequantizeWeights",
  run(graph) {
    let changed = false;
    for (const node of graph.nodes) {
      if (OPS[node.op].conversion) continue;
      const outputs = node.outputs.map((o) => graph.tensors.get(o) as Tensor);
      if (!outputs.every((t) => t.dtype === "float32")) continue;
      for (const name of node.inputs) {
        const t = name ? graph.tensors.get(name) : undefined;
        if (!t?.data || t.dtype === "float32") continue;
        if (!(t.quant || t.dtype === "float16")) continue; // plain integer constants (shapes, axes) stay
        graph.tensors.set(name, { name, dtype: "float32", shape: t.shape, data: realValues(t) });
        changed = true;
      }
    }
    return changed;
  },
};
