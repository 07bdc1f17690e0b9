import { MODEL_FILE_FORMATS, type ModelFileFormat } from "@tinyml/workflows/contracts";
import type { ModelSample } from "./model-sample.js";
import { looksLikeOnnxModel } from "./onnx-probe.js";
import { zipEntryNames } from "./zip-entries.js";

/** How each format is named to users. */
export const FORMAT_NAMES: Readonly<Record<ModelFileFormat, string>> = {
  tflite: "TensorFlow Lite model (.tflite flatbuffer)",
  onnx: "ONNX model",
  "keras-h5": "Keras HDF5 model (.h5)",
  "savedmodel-zip": "TensorFlow SavedModel (zip of the SavedModel folder)",
  "pytorch-zip": "PyTorch model (torch.save zip archive)",
};

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const ZIP_LOCAL_HEADER = Buffer.from("PK\x03\x04", "latin1");

const zipNames = (s: ModelSample): string[] =>
  s.head.subarray(0, 4).equals(ZIP_LOCAL_HEADER) ? (zipEntryNames(s.tail, s.size) ?? []) : [];

/**
 * The registry of recognisers, one per container format, each reading the content only (never the name):
 * - TFLite: a FlatBuffer whose file identifier at offset 4 is `TFL3`.
 * - HDF5: the 8-byte signature at offset 0 or after a user block (512, 1024, 2048 … bytes).
 * - ONNX: a protobuf ModelProto (see onnx-probe.ts).
 * - SavedModel zip: a zip holding `saved_model.pb` (or `.pbtxt`).
 * - PyTorch zip: a zip holding `<archive>/data.pkl`, as `torch.save` writes it.
 */
export const MODEL_RECOGNIZERS: Readonly<Record<ModelFileFormat, (sample: ModelSample) => boolean>> = {
  tflite: (s) => s.head.length >= 8 && s.head.toString("latin1", 4, 8) === "TFL3",
  "keras-h5": (s) =>
    [0, 512, 1024, 2048, 4096, 8192, 16384, 32768].some(
      (at) => s.head.length >= at + 8 && s.head.subarray(at, at + 8).equals(HDF5_SIGNATURE),
    ),
  onnx: (s) => looksLikeOnnxModel(s.head, s.size),
  "savedmodel-zip": (s) => zipNames(s).some((n) => /(^|\/)saved_model\.pb(txt)?$/.test(n)),
  "pytorch-zip": (s) => zipNames(s).some((n) => /^[^/]+\/data\.pkl$/.test(n)),
};

/** The format of a model file, or `null` when it is none of those the service reads. */
export function recognizeModelFormat(sample: ModelSample): ModelFileFormat | null {
  return MODEL_FILE_FORMATS.find((format) => MODEL_RECOGNIZERS[format](sample)) ?? null;
}
