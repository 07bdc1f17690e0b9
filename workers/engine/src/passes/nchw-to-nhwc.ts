import { allocData } from "../ir/dtype.js";
import { addTensor, type Graph, uniqueName } from "../ir/graph.js";
import type { Node, OpType } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import type { Pass } from "./pass.js";

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

/** Transposes constant data by `perm` (any rank, any dtype). */
export function transposeConstant(t: Tensor, perm: number[]): Tensor {
  const data = t.data;
  if (!data) throw new Error(`${t.name} is not a constant`);
  const shape = perm.map((p) => t.shape[p] as number);
  const out = allocData(t.dtype, data.length);
  const rank = shape.length;
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] as number) * (t.shape[i + 1] as number);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += (idx[d] as number) * (inStrides[perm[d] as number] as number);
    (out as unknown as number[])[o] = (data as unknown as number[])[src] as number;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (shape[d] as number)) break;
      idx[d] = 0;
    }
  }
  const quant = t.quant?.axis !== undefined ? { ...t.quant, axis: perm.indexOf(t.quant.axis) } : t.quant;
  return { ...t, shape, data: out, ...(quant ? { quant } : {}) };
}

const transposeNode = (graph: Graph, base: string, input: string, output: string, perm: number[]): Node => ({
  name: uniqueName(graph, base),
  op: "Transpose",
  inputs: [input],
  outputs: [output],
  attrs: { perm },
});

/**
 * The permutation that takes an NCHW layer's weights to TFLite's order:
 * OIHW → OHWI; [C×M, 1, kh, kw] → [1, kh, kw, C×M].
 */
const NHWC_WEIGHTS: { readonly [T in OpType]?: number[] } = {
  Conv2D: [0, 2, 3, 1],
  DepthwiseConv2D: [1, 2, 3, 0],
};

/**
 * Rewrites every NCHW spatial op (ONNX imports) to NHWC: weights are transposed to TFLite's order
 * (convolution OIHW → OHWI, depthwise [C·m, 1, kh, kw] → [1, kh, kw, C·m]) and the op is wrapped in
 * Transposes (NCHW → NHWC before, back after). `sinkTransposes` then cancels the pairs that meet, so a graph
 * whose layers chain directly ends with Transposes only at its edges.
 */
export const nchwToNhwc: Pass = {
  name: "nchwToNhwc",
  run(graph) {
    let changed = false;
    for (const node of [...graph.nodes]) {
      if (!("layout" in node.attrs) || node.attrs.layout !== "NCHW") continue;
      const perm = NHWC_WEIGHTS[node.op];
      if (perm) {
        const w = graph.tensors.get(node.inputs[1] as string) as Tensor;
        if (!w.data) continue; // weights computed at run time: leave NCHW (the verifier of kernels refuses)
        graph.tensors.set(w.name, transposeConstant(w, perm));
      }
      const x = node.inputs[0] as string;
      const y = node.outputs[0] as string;
      const xt = graph.tensors.get(x) as Tensor;
      const yt = graph.tensors.get(y) as Tensor;
      const xNhwc = addTensor(graph, {
        name: uniqueName(graph, `${x}_nhwc`),
        dtype: xt.dtype,
        shape: TO_NHWC.map((p) => xt.shape[p] as number),
        ...(xt.quant ? { quant: xt.quant } : {}),
      });
      const yNhwc = addTensor(graph, {
        name: uniqueName(graph, `${y}_nhwc`),
        dtype: yt.dtype,
        shape: TO_NHWC.map((p) => yt.shape[p] as number),
        ...(yt.quant ? { quant: yt.quant } : {}),
      });
      const before = transposeNode(graph, `${node.name}_to_nhwc`, x, xNhwc.name, TO_NHWC);
      const after = transposeNode(graph, `${node.name}_to_nchw`, yNhwc.name, y, TO_NCHW);
      node.inputs = [xNhwc.name, ...node.inputs.slice(1)];
      node.outputs = [yNhwc.name];
      (node.attrs as { layout: string }).layout = "NHWC";
      const at = graph.nodes.indexOf(node);
      graph.nodes.splice(at, 1, before, node, after);
      changed = true;
    }
    return changed;
  },
};
