import { checkModelLimits } from "../analysis/limits.js";
import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import { MODEL_LIMITS, overLimit } from "../ir/limits.js";
import { buildGraph } from "./import-graph.js";
import { TFLITE_IMPORTABLE_OPS } from "./import-registry.js";
import { readTflite } from "./reader.js";
import { TFLITE_SCHEMA_VERSION } from "./schema.js";
import { findUnsupportedOps, unsupportedOpsError } from "./unsupported-ops.js";

/**
 * Imports a TensorFlow Lite model (float, fp16-weight, hybrid, int8 or int16x8 quantized) as an IR graph:
 * the primary subgraph's tensors (dtype, shape, per-tensor or per-axis quantization, constant data) and its
 * operators mapped to the IR vocabulary (constant shape, axes, permutation and padding inputs become
 * attributes). Before any other work every unsupported operator is collected and reported in one
 * UNSUPPORTED_OPS error. A file that is not a valid model gives CORRUPT_MODEL; one far beyond a microcontroller
 * model's size (shapes, attributes, MACs, weights, activation memory: MODEL_LIMITS) gives OVER_LIMITS.
 */
export function importTflite(bytes: Uint8Array, name: string): Graph {
  const model = readTflite(bytes);
  const subgraph = model.subgraphs[0];
  if (!subgraph) {
    throw new EngineError(
      "CORRUPT_MODEL",
      `the TFLite model "${name}" has no subgraph; re-export it and upload it again`,
    );
  }
  const found = findUnsupportedOps(model, subgraph, TFLITE_IMPORTABLE_OPS, (why) => {
    throw new EngineError("CORRUPT_MODEL", `the TFLite model "${name}" is corrupt: ${why}`, { reason: why });
  });
  if (found.ops.length > 0) throw unsupportedOpsError(name, found, TFLITE_IMPORTABLE_OPS);
  if (model.version !== TFLITE_SCHEMA_VERSION) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `"${name}" uses TFLite schema version ${model.version}; the engine reads version ${TFLITE_SCHEMA_VERSION} ` +
        "(what every TensorFlow converter since 2018 writes): re-convert the model",
    );
  }
  const subject = `the TFLite model "${name}"`;
  if (subgraph.operators.length > MODEL_LIMITS.ops) throw overLimit("ops", subgraph.operators.length, subject);
  if (subgraph.tensors.length > MODEL_LIMITS.tensors) throw overLimit("tensors", subgraph.tensors.length, subject);
  const graph = buildGraph(model, subgraph, name, bytes.length);
  checkModelLimits(graph);
  return graph;
}
