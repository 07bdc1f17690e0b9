import { EngineError } from "../errors.js";
import { cloneGraph, type Graph, tensorOf } from "../ir/graph.js";
import { inferShapes } from "../ir/shape-inference.js";
import { verifyGraph } from "../ir/verify.js";
import { ExportPlan, type OpExporter } from "./export-plan.js";
import { checkQuantizationForTflite } from "./export-quantization.js";
import { EXPORTERS, unexportable } from "./export-registry.js";
import { serialize } from "./export-serialize.js";

/** The shapes a TFLite runtime will compute must be the graph's: a mismatch would give a file that fails to load. */
function checkShapes(graph: Graph): void {
  const inferred = cloneGraph(graph);
  inferShapes(inferred);
  const wrong = graph.nodes.flatMap((n) =>
    n.outputs
      .filter((o) => tensorOf(inferred, o).shape.join(",") !== tensorOf(graph, o).shape.join(","))
      .map(
        (o) => `"${o}" is [${tensorOf(graph, o).shape}] but ${n.op} "${n.name}" gives [${tensorOf(inferred, o).shape}]`,
      ),
  );
  if (wrong.length > 0) {
    throw new EngineError(
      "INVALID_GRAPH",
      `graph "${graph.name}" has shapes its ops do not produce: ${wrong.join("; ")}`,
      {
        problems: wrong,
      },
    );
  }
}

/** Every op TFLite export cannot write, refused together and by name before any work. */
function refuseUnexportable(graph: Graph): void {
  const refused = [...new Set(graph.nodes.map((n) => unexportable(n, graph)).filter((r) => r !== undefined))];
  if (refused.length > 0) {
    throw new EngineError(
      "UNSUPPORTED_OPS",
      `graph "${graph.name}" has ops that TFLite export does not handle: ${refused.join(", ")}. Run the engine's ` +
        "passes first (batch-norm folding, identity removal, nchwToNhwc, activation fusion), which remove or rewrite them.",
      { ops: refused },
    );
  }
}

/**
 * Writes an IR graph (NHWC; float32, fp16 weights with DEQUANTIZE, int8, or int16x8) as a .tflite file that
 * TensorFlow Lite and TensorFlow Lite Micro run: schema version 3, buffer 0 empty and every constant buffer
 * 16-byte aligned, one operator code per builtin with both code fields and the converter's version, per-axis
 * quantization with its dimension, shape/axes/paddings/permutation as int32 constant inputs, explicit
 * convolution padding as PAD + VALID convolution. Ops TFLite cannot express are refused together, by name.
 *
 * The stages: check (verify, refuse, shapes, the quantization TFLite's kernels require: export-quantization.ts), plan (each node through its exporter in export-registry.ts;
 * graph inputs take the first tensor indices), serialize (export-serialize.ts).
 */
export function exportTflite(graph: Graph): Uint8Array {
  verifyGraph(graph);
  refuseUnexportable(graph);
  checkShapes(graph);
  checkQuantizationForTflite(graph);
  const plan = new ExportPlan(graph);
  for (const name of graph.inputs) plan.index(name);
  for (const node of graph.nodes) {
    const exporter = EXPORTERS[node.op] as OpExporter<typeof node.op>;
    plan.ops.push(...exporter(node as never, plan));
  }
  for (const name of graph.outputs) plan.index(name);
  return serialize(plan, graph);
}
