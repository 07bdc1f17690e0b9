import { type FrameworkId, MODEL_FRAMEWORKS, type ModelFileFormat } from "@tinyml/workflows/contracts";
import { FORMAT_NAMES, FORMATS_READ } from "@tinyml/workflows/model-files";

const EXTENSION_FORMATS: Readonly<Record<string, ModelFileFormat>> = {
  ".tflite": "tflite",
  ".onnx": "onnx",
  ".h5": "keras-h5",
  ".hdf5": "keras-h5",
  ".keras": "keras-v3",
  ".pt": "pytorch-zip",
  ".pth": "pytorch-zip",
  ".pt2": "pytorch-export",
  ".zip": "savedmodel-zip",
};
const ARTICLE = (name: string) => (/^[AEIOU]/.test(name) ? "an" : "a");

/**
 * Why a model file does not fit the declared framework, in words a user can act on; `null` if it fits. A file of
 * no model format is named by the recognizer's `refusal` (what the file is instead) when there is one.
 */
export function modelFormatProblem(
  file: { fileName: string; format: ModelFileFormat | null; refusal?: string | null },
  framework: FrameworkId,
): string | null {
  const accepted = MODEL_FRAMEWORKS[framework].fileFormats;
  if (file.format && accepted.includes(file.format)) return null;
  const extension = /\.[^.]+$/.exec(file.fileName.toLowerCase())?.[0] ?? "";
  const expected = FORMAT_NAMES[EXTENSION_FORMATS[extension] ?? (accepted[0] as ModelFileFormat)];
  const acceptedNames = accepted.map((f) => FORMAT_NAMES[f]).join(" or ");
  if (!file.format) {
    const what = file.refusal ? `it is ${file.refusal}, ` : "its content is ";
    return `model_file "${file.fileName}" is not ${ARTICLE(expected)} ${expected}: ${what}none of the formats the service reads (${FORMATS_READ})`;
  }
  return `model_file "${file.fileName}" is ${ARTICLE(FORMAT_NAMES[file.format])} ${FORMAT_NAMES[file.format]}, but model_framework "${framework}" takes ${acceptedNames}: set model_framework to match the file`;
}
