import type { ModelFileFormat } from "@tinyml/workflows/contracts";
import { FORMATS_READ, recognizeModelFile, sampleOf } from "@tinyml/workflows/model-files";
import { EngineError } from "./errors.js";

/**
 * Recognises a model container by its content, never by its name, with the grid's one recognizer
 * (`@tinyml/workflows/model-files`): judged from the same sample of the file (its head, its tail, its size) that
 * the control plane keeps of an upload, so the engine accepts exactly what the API accepted.
 */
export async function detectModelFormat(bytes: Uint8Array): Promise<ModelFileFormat> {
  if (bytes.length === 0) {
    throw new EngineError("EMPTY_MODEL_FILE", "The model file is empty.");
  }
  const recognition = await recognizeModelFile(sampleOf(bytes));
  if (recognition.format) return recognition.format;
  throw new EngineError(
    "UNRECOGNIZED_MODEL_FORMAT",
    `The file is not a model this service reads: it is ${recognition.refusal}, none of ${FORMATS_READ}.`,
  );
}
