import { floatToHalf } from "../ir/dtype.js";
import { addTensor, cloneGraph, type Graph, uniqueName } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";

/**
 * float16 weights (TFLite's float16 quantization): every float32 constant is stored as IEEE half and read
 * through a Dequantize node that restores float32 at run time; activations stay float32. Halves the size
 * of the weights; arithmetic is unchanged apart from the rounding of the weights to half precision.
 */
export function quantizeFloat16(float: Graph): Graph {
  const graph = cloneGraph(float);
  const converted = new Map<string, string>();
  for (const node of [...graph.nodes]) {
    node.inputs = node.inputs.map((name) => {
      if (name === "") return name;
      const t = graph.tensors.get(name) as Tensor;
      if (!t.data || t.dtype !== "float32") return name;
      const existing = converted.get(name);
      if (existing) return existing;
      const half = Uint16Array.from(t.data as Float32Array, floatToHalf);
      graph.tensors.set(name, { name, dtype: "float16", shape: t.shape, data: half });
      const restored = addTensor(graph, {
        name: uniqueName(graph, `${name}_dequantized`),
        dtype: "float32",
        shape: [...t.shape],
      });
      const deq: Node = {
        name: uniqueName(graph, `${name}_dequantize`),
        op: "Dequantize",
        inputs: [name],
        outputs: [restored.name],
        attrs: {},
      };
      graph.nodes.splice(graph.nodes.indexOf(node), 0, deq);
      converted.set(name, restored.name);
      return restored.name;
    });
  }
  return graph;
}
