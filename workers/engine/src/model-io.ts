import { EngineError } from "./errors.js";
import type { Graph } from "./ir/graph.js";
import { detectModelFormat } from "./model-format.js";
import { importOnnx } from "./onnx/index.js";
import { importTflite } from "./tflite/index.js";

/**
 * The containers the engine imports itself. Keras and PyTorch models are refused (UNSUPPORTED_MODEL): no converter
 * exists yet, so the user converts them to TFLite or ONNX first.
 */
const IMPORTERS = {
  tflite: importTflite,
  onnx: importOnnx,
} as const;

export type ImportableFormat = keyof typeof IMPORTERS;

/** Recognises the model by content and imports it with the matching importer. */
export async function importModel(
  bytes: Uint8Array,
  name: string,
): Promise<{ graph: Graph; format: ImportableFormat }> {
  const format = await detectModelFormat(bytes);
  if (!(format in IMPORTERS)) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `${name} is a ${format} model; the engine reads TensorFlow Lite and ONNX: convert it first (tf.lite.TFLiteConverter or tf2onnx for Keras/TensorFlow, torch.onnx.export for PyTorch)`,
    );
  }
  const importer = IMPORTERS[format as ImportableFormat];
  return { graph: importer(bytes, name), format: format as ImportableFormat };
}
