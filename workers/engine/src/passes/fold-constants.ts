import { allocData, type DType } from "../ir/dtype.js";
import { pruneUnusedTensors } from "../ir/graph.js";
import { MODEL_LIMITS, overLimit } from "../ir/limits.js";
import { OPS, type OpType } from "../ir/ops.js";
import { elementCount, type Tensor } from "../ir/tensor.js";
import { realValues } from "../runtime/quant-math.js";
import { type Kernel, REFERENCE_KERNELS } from "../runtime/reference-kernels.js";
import type { Pass } from "./pass.js";

/**
 * Evaluates every node whose inputs are all constants and replaces its outputs by constants (float32, or
 * the inputs' integer dtype for pure data movement). Quantize nodes are left alone: a quantized constant is
 * made by the quantizer, which knows its parameters.
 */
export const foldConstants: Pass = {
  name: "foldConstants",
  run(graph) {
    let changed = false;
    // Constants held until the pass ends (folded inputs are pruned only then), within the engine's budget: a
    // file of many small constants each padded to millions of values must not fold into gigabytes.
    let held = [...graph.tensors.values()].reduce((n, t) => n + (t.data ? elementCount(t.shape) : 0), 0);
    for (const node of [...graph.nodes]) {
      if (node.op === "Quantize") continue;
      const inputs = node.inputs.filter((i) => i !== "").map((i) => graph.tensors.get(i) as Tensor);
      if (inputs.length === 0 || inputs.some((t) => !t.data)) continue;
      const kernel = REFERENCE_KERNELS[node.op] as Kernel<OpType>;
      const outShapes = node.outputs.map((o) => (graph.tensors.get(o) as Tensor).shape);
      held += outShapes.reduce((n, shape) => n + elementCount(shape), 0);
      if (held > MODEL_LIMITS.importConstants) {
        throw overLimit("importConstants", held, `the model "${graph.name}"`);
      }
      const values = node.inputs.map((i) => {
        if (i === "") return undefined;
        const t = graph.tensors.get(i) as Tensor;
        return { data: realValues(t), shape: t.shape };
      });
      const outs = kernel(node as never, values, outShapes);
      const integer = inputs.every((t) => t.dtype === inputs[0]?.dtype && !t.quant && /int/.test(t.dtype));
      const keepDtype = OPS[node.op].dataMovement === true && integer;
      node.outputs.forEach((name, i) => {
        const t = graph.tensors.get(name) as Tensor;
        const real = outs[i] as Float32Array;
        if (keepDtype) {
          const dtype = inputs[0]?.dtype as DType;
          const data = allocData(dtype, real.length);
          for (let k = 0; k < real.length; k++) {
            if (data instanceof BigInt64Array) data[k] = BigInt(Math.round(real[k] as number));
            else (data as Int32Array)[k] = real[k] as number;
          }
          graph.tensors.set(name, { name, dtype, shape: t.shape, data });
        } else {
          graph.tensors.set(name, { name, dtype: "float32", shape: t.shape, data: real });
        }
      });
      graph.nodes = graph.nodes.filter((n) => n !== node);
      changed = true;
    }
    if (changed) pruneUnusedTensors(graph);
    return changed;
  },
};
