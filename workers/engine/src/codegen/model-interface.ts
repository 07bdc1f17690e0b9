import { EngineError } from "../errors.js";
import { DTYPE_BYTES } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import { elementCount, type Tensor } from "../ir/tensor.js";
import { f32 } from "./fixed-point.js";
import type { ModelIo } from "./generated-c.js";

/** The generated model's input and output: integer tensors, each with one scale and zero point. */

export function modelIo(graph: Graph, name: string, what: "input" | "output"): ModelIo {
  const t = graph.tensors.get(name) as Tensor;
  if ((t.dtype !== "int8" && t.dtype !== "int16") || !t.quant || t.quant.scale.length !== 1) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `C code generation needs an integer (int8 or int16) quantized model ${what}; "${t.name}" is ${t.dtype}${t.quant ? "" : " without quantization"}: quantize the model first (--quantize int8 or int16x8)`,
    );
  }
  return {
    dtype: t.dtype,
    shape: [...t.shape],
    bytes: elementCount(t.shape) * DTYPE_BYTES[t.dtype],
    scale: f32(t.quant.scale[0] as number),
    zeroPoint: t.quant.zeroPoint[0] as number,
  };
}

/**
 * The integer core of a quantized model with a float interface (the TF converter's default: QUANTIZE after the
 * float input, DEQUANTIZE before the float output): the generated C takes and gives the quantized tensors, and
 * the caller converts with TML_MODEL_INPUT_SCALE / _ZERO_POINT as for any integer model. Other graphs are
 * returned as they are.
 */
export function integerInterface(graph: Graph): Graph {
  const input = graph.tensors.get(graph.inputs[0] as string) as Tensor;
  const output = graph.tensors.get(graph.outputs[0] as string) as Tensor;
  const consumers = graph.nodes.filter((n) => n.inputs.includes(input.name));
  const first = consumers.length === 1 && consumers[0]?.op === "Quantize" ? consumers[0] : undefined;
  const last = graph.nodes.find((n) => n.outputs.includes(output.name));
  const isInteger = (name: string | undefined) => {
    const t = name === undefined ? undefined : graph.tensors.get(name);
    return t !== undefined && (t.dtype === "int8" || t.dtype === "int16") && t.quant !== undefined;
  };
  const stripInput = input.dtype === "float32" && first !== undefined && isInteger(first.outputs[0]);
  const stripOutput =
    output.dtype === "float32" &&
    last?.op === "Dequantize" &&
    isInteger(last.inputs[0]) &&
    !graph.nodes.some((n) => n !== last && n.inputs.includes(output.name));
  if (!stripInput && !stripOutput) return graph;
  return {
    ...graph,
    nodes: graph.nodes.filter((n) => !(stripInput && n === first) && !(stripOutput && n === last)),
    inputs: stripInput ? [first?.outputs[0] as string] : graph.inputs,
    outputs: stripOutput ? [last?.inputs[0] as string] : graph.outputs,
  };
}
