import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import { verifyGraph } from "../ir/verify.js";
import { encodeModel } from "./encode.js";
import { isQuantized, OnnxGraphBuilder } from "./export-builder.js";
import { writerOf } from "./export-ops.js";
import type { OnnxValueInfo } from "./schema.js";
import { onnxOfDType } from "./tensor-proto.js";

export interface OnnxExportOptions {
  /** ONNX opset to write, 13 to 23 (default 21, the first with int16 QuantizeLinear/DequantizeLinear). */
  opset?: number;
}

const DEFAULT_EXPORT_OPSET = 21;
const MIN_OPSET = 13;
const MAX_OPSET = 23;

/** The ONNX IR version that goes with each opset (as the onnx package's release table pairs them). */
const irVersionOf = (opset: number): number =>
  opset >= 23 ? 11 : opset >= 21 ? 10 : opset >= 19 ? 9 : opset >= 15 ? 8 : 7;

/**
 * IR → ONNX. Float graphs in either layout come out as plain float ONNX (NHWC spatial ops wrapped in the
 * Transposes ONNX's NCHW ops need, adjacent inverse pairs never emitted; fused activations as their own
 * nodes). Quantized graphs come out in QDQ form: integer weights and biases dequantized by
 * DequantizeLinear (per axis where the IR is per-axis), and every quantized activation passed through
 * QuantizeLinear → DequantizeLinear with its scale and zero point, so ONNX Runtime rounds to the same grid
 * at the same places as the IR's quantized kernels. int16 activations need opset 21 or later.
 */
export function exportOnnx(graph: Graph, options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? DEFAULT_EXPORT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new EngineError("USAGE", `ONNX export writes opsets ${MIN_OPSET} to ${MAX_OPSET}; ${opset} was asked for`);
  }
  verifyGraph(graph);
  if (opset < 21) {
    const wide = [...graph.tensors.values()].find((t) => isQuantized(t) && t.dtype === "int16" && !t.data);
    if (wide) {
      throw new EngineError(
        "USAGE",
        `tensor "${wide.name}" is quantized to int16, which ONNX quantizes only from opset 21: export with opset ≥ 21`,
      );
    }
  }

  const b = new OnnxGraphBuilder(graph, opset);
  for (const name of graph.inputs) b.input(name);
  for (const node of graph.nodes) writerOf(node.op)(b, node);

  const outputs: OnnxValueInfo[] = [];
  for (const name of graph.outputs) {
    const t = b.tensor(name);
    let value = b.primary(name);
    if (value !== name) {
      // A constant output, or one whose name the graph's input already holds: copy it under its own name.
      value = graph.inputs.includes(name) ? b.fresh(`${name}_out`) : name;
      b.node("Identity", [b.primary(name)], [value]);
    }
    const dtype = isQuantized(t) || t.dtype !== "float32" ? t.dtype : "float32";
    outputs.push(valueInfo(value, onnxOfDType(dtype), t.shape));
  }
  b.pruneUnused(outputs.map((o) => o.name));
  const inputs = graph.inputs.map((name) => {
    const t = b.tensor(name);
    return valueInfo(name, onnxOfDType(t.dtype), t.shape);
  });

  return encodeModel({
    irVersion: irVersionOf(opset),
    opsetImport: [{ domain: "", version: opset }],
    producerName: "tinyml-engine",
    producerVersion: "",
    graph: {
      name: graph.name || "graph",
      nodes: b.nodes,
      initializers: b.initializers,
      sparseInitializerCount: 0,
      inputs,
      outputs,
      valueInfo: [],
    },
    functionCount: 0,
  });
}

const valueInfo = (name: string, elemType: number, shape: readonly number[]): OnnxValueInfo => ({
  name,
  elemType,
  shape: shape.map((value) => ({ value })),
  isTensor: true,
});
