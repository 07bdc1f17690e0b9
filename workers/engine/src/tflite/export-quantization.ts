import { EngineError } from "../errors.js";
import { type Graph, tensorOf } from "../ir/graph.js";
import { isWeighted, type Node, OPS } from "../ir/ops.js";
import type { QuantParams, Tensor } from "../ir/tensor.js";

/**
 * The quantization TFLite's kernels require of a weighted layer when they prepare it (LiteRT's conv.cc,
 * depthwise_conv.cc and fully_connected.cc Prepare; kernel_util.cc GetQuantizedConvolutionMultipler; TFLite Micro
 * checks the same), checked before a file is written: a graph that breaks one of them gives a .tflite that LiteRT
 * refuses ("FULLY_CONNECTED failed to prepare"), so it is the engine's bug, reported by layer and rule.
 *
 * - Weights: int8, one scale (per tensor) or one per output channel along the op's output-channel axis.
 * - Bias: int32 beside int8 activations, int64 beside int16 ones (the exporter writes quantized_bias_type 0, for
 *   which LiteRT's 16x8 kernels read an int64 bias); zero points 0; the weights' granularity (one scale beside
 *   per-tensor weights: TFLite reads such a bias's scale as a single value, and a vector of them reads as 0), each
 *   scale input scale × weight scale within TFLite's bound (the difference at most 2 % of the output scale).
 * - int16 activations (16x8): input and output zero points 0.
 * - FullyConnected with keep_num_dims: the input's last dimension is the weights' depth.
 */

const BIAS_SCALE_TOLERANCE = 0.02; // of the output scale, as GetQuantizedConvolutionMultipler allows

const BIAS_DTYPE = { int8: "int32", int16: "int64" } as const;

function weightProblems(node: Node, w: Tensor): string[] {
  const axis = OPS[node.op].weights?.outputChannelAxis ?? 0;
  const channels = w.shape[axis] as number;
  const q = w.quant;
  if (w.dtype !== "int8" || !q) return [`weights "${w.name}" are ${w.dtype}${q ? "" : " without quantization"}`];
  if (q.scale.length === 1) return [];
  if (q.scale.length !== channels || (q.axis ?? 0) !== axis) {
    return [
      `weights "${w.name}" carry ${q.scale.length} scales on axis ${q.axis ?? 0}; ${node.op} takes one, or ${channels} on axis ${axis}`,
    ];
  }
  return [];
}

function biasProblems([x, w, b, y]: [Tensor, Tensor, Tensor, Tensor], activations: keyof typeof BIAS_DTYPE): string[] {
  const problems: string[] = [];
  const wq = w.quant as QuantParams;
  const bq = b.quant;
  if (b.dtype !== BIAS_DTYPE[activations]) {
    problems.push(`bias "${b.name}" is ${b.dtype}; ${activations} activations take ${BIAS_DTYPE[activations]}`);
  }
  if (!bq) return [...problems, `bias "${b.name}" has no quantization`];
  if (bq.zeroPoint.some((z) => z !== 0)) problems.push(`bias "${b.name}" has a zero point other than 0`);
  if (bq.scale.length !== wq.scale.length) {
    const want = wq.scale.length === 1 ? "one (its weights are per tensor)" : `${wq.scale.length}, one per channel`;
    return [...problems, `bias "${b.name}" carries ${bq.scale.length} scales; it takes ${want}`];
  }
  const inScale = x.quant?.scale[0] as number;
  const outScale = y.quant?.scale[0] as number;
  const off = bq.scale.findIndex(
    (s, c) => Math.abs(inScale * (wq.scale[c] as number) - s) > BIAS_SCALE_TOLERANCE * outScale,
  );
  if (off >= 0) {
    problems.push(
      `bias "${b.name}" scale ${bq.scale[off]} (channel ${off}) is not input scale × weight scale ` +
        `(${Number((inScale * (wq.scale[off] as number)).toPrecision(6))})`,
    );
  }
  return problems;
}

function layerProblems(node: Node, graph: Graph): string[] {
  const x = tensorOf(graph, node.inputs[0] as string);
  if (x.dtype !== "int8" && x.dtype !== "int16") return []; // float and fp16 layers carry no quantization
  const w = tensorOf(graph, node.inputs[1] as string);
  const y = tensorOf(graph, node.outputs[0] as string);
  const problems = weightProblems(node, w);
  const bias = node.inputs[2] ? tensorOf(graph, node.inputs[2]) : undefined;
  if (problems.length === 0 && bias) problems.push(...biasProblems([x, w, bias, y], x.dtype));
  if (x.dtype === "int16") {
    for (const t of [x, y]) {
      if (t.quant?.zeroPoint.some((z) => z !== 0))
        problems.push(`int16 tensor "${t.name}" has a zero point other than 0`);
    }
  }
  const keepNumDims = node.op === "FullyConnected" && (node.attrs as { keepNumDims: boolean }).keepNumDims;
  if (keepNumDims && x.shape.at(-1) !== w.shape[1]) {
    problems.push(`keep_num_dims needs the input's last dimension (${x.shape.at(-1)}) to be the depth ${w.shape[1]}`);
  }
  return problems.map((p) => `${node.op} "${node.name}": ${p}`);
}

/** Refuses a graph whose weighted layers break a rule TFLite's kernels check (see above), naming every problem. */
export function checkQuantizationForTflite(graph: Graph): void {
  const problems = graph.nodes.filter(isWeighted).flatMap((node) => layerProblems(node, graph));
  if (problems.length > 0) {
    throw new EngineError(
      "INVALID_GRAPH",
      `graph "${graph.name}" is quantized in a way TFLite's kernels refuse: ${problems.join("; ")}`,
      { problems },
    );
  }
}
