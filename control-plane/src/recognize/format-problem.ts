import { type FrameworkId, MODEL_FRAMEWORKS, type ModelFileFormat } from "@tinyml/workflows/contracts";
import { FORMAT_NAMES } from "./model-format.js";

const EXTENSION_FORMATS: Readonly<Record<string, ModelFileFormat>> = {
  ".tflite": "tflite",
  ".onnx": "onnx",
  ".h5": "keras-h5",
  ".hdf5": "keras-h5",
  ".keras": "keras-h5",
  ".pt": "pytorch-zip",
  ".pth": "pytorch-zip",
  ".zip": "savedmodel-zip",
};
const ARTICLE = (name: string) => (/^[AEIOU]/.test(name) ? "an" : "a");

/** Why a model file does not fit the declared framework, in words a user can act on; `null` if it fits. */
export function modelFormatProblem(
  file: { fileName: string; format: ModelFileFormat | null },
  framework: FrameworkId,
): string | null {
  const accepted = MODEL_FRAMEWORKS[framework].fileFormats;
  if (file.format && accepted.includes(file.format)) return null;
  const extension = /\.[^.]+$/.exec(file.fileName.toLowerCase())?.[0] ?? "";
  const expected = FORMAT_NAMES[EXTENSION_FORMATS[extension] ?? (accepted[0] as ModelFileFormat)];
  const acceptedNames = accepted.map((f) => FORMAT_NAMES[f]).join(" or ");
  if (!file.format) {
    return `model_file "${file.fileName}" is not ${ARTICLE(expected)} ${expected}: its content is none of the formats the service reads (TensorFlow Lite, ONNX, Keras HDF5, SavedModel zip, PyTorch zip)`;
  }
  return `model_file "${file.fileName}" is ${ARTICLE(FORMAT_NAMES[file.format])} ${FORMAT_NAMES[file.format]}, but model_framework "${framework}" takes ${acceptedNames}: set model_framework to match the file`;
}
