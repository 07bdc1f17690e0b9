import { MODEL_FILE_FORMATS, type ModelFileFormat } from "../contracts/frameworks.js";
import { FORMAT_NAMES } from "./format-names.js";
import type { ModelSample } from "./model-sample.js";
import { MODEL_RECOGNIZERS, type SampleView } from "./recognizers.js";
import { REFUSALS, UNNAMED_REFUSAL } from "./refusals.js";
import { zipEntryNames } from "./zip-entries.js";

/** A recognised model format, or a refusal that names what the file is instead. */
export type Recognition = { format: ModelFileFormat; refusal: null } | { format: null; refusal: string };

/** The formats the service reads, for messages: "TensorFlow Lite model (…), ONNX model, … or …". */
export const FORMATS_READ = `${MODEL_FILE_FORMATS.slice(0, -1)
  .map((f) => FORMAT_NAMES[f])
  .join(", ")} or ${FORMAT_NAMES[MODEL_FILE_FORMATS[MODEL_FILE_FORMATS.length - 1] as ModelFileFormat]}`;

/**
 * Recognises a model file by its content (never its name) from its sample. The control plane calls it on the
 * sample kept while an upload streams, the engine on `sampleOf(bytes)`: the same bytes, the same answer.
 */
export async function recognizeModelFile(sample: ModelSample): Promise<Recognition> {
  const view: SampleView = { sample, zipNames: await zipEntryNames(sample) };
  const format = MODEL_FILE_FORMATS.find((f) => MODEL_RECOGNIZERS[f](view));
  if (format) return { format, refusal: null };
  return { format: null, refusal: REFUSALS.find((r) => r.is(view))?.says ?? UNNAMED_REFUSAL };
}
