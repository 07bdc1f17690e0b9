import { z } from "zod";

/** Model frameworks a user may upload from; the ids are the `model_framework` values of the public API. */

export const FRAMEWORK_IDS = ["tensorflow", "pytorch", "onnx", "tflite"] as const;
export const FrameworkId = z.enum(FRAMEWORK_IDS);
export type FrameworkId = z.infer<typeof FrameworkId>;

/** Container formats recognised by their content (never by file name). */
export const MODEL_FILE_FORMATS = [
  "tflite",
  "onnx",
  "keras-h5",
  "keras-v3",
  "savedmodel-zip",
  "pytorch-zip",
  "pytorch-export",
] as const;
export const ModelFileFormat = z.enum(MODEL_FILE_FORMATS);
export type ModelFileFormat = z.infer<typeof ModelFileFormat>;

export const ModelFramework = z.object({
  id: FrameworkId,
  name: z.string(),
  /** Uploaded file formats accepted for this framework. */
  fileFormats: z.array(ModelFileFormat).min(1),
  /** Usual file extensions, for help texts. */
  extensions: z.array(z.string()).min(1),
});
export type ModelFramework = z.infer<typeof ModelFramework>;

export const MODEL_FRAMEWORKS: Readonly<Record<FrameworkId, ModelFramework>> = Object.freeze({
  tensorflow: {
    id: "tensorflow",
    name: "TensorFlow / Keras",
    fileFormats: ["keras-h5", "keras-v3", "savedmodel-zip"],
    extensions: [".h5", ".keras", ".zip"],
  },
  pytorch: {
    id: "pytorch",
    name: "PyTorch",
    fileFormats: ["pytorch-zip", "pytorch-export"],
    extensions: [".pt", ".pth", ".pt2"],
  },
  onnx: { id: "onnx", name: "ONNX", fileFormats: ["onnx"], extensions: [".onnx"] },
  tflite: { id: "tflite", name: "TensorFlow Lite", fileFormats: ["tflite"], extensions: [".tflite"] },
});

export const modelFrameworks = (): ModelFramework[] => FRAMEWORK_IDS.map((id) => MODEL_FRAMEWORKS[id]);
