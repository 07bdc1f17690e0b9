import type { ModelFileFormat } from "../contracts/frameworks.js";

/** How each model format is named to users, in messages of the API, the CLI and the engine. */
export const FORMAT_NAMES: Readonly<Record<ModelFileFormat, string>> = {
  tflite: "TensorFlow Lite model (.tflite flatbuffer)",
  onnx: "ONNX model",
  "keras-h5": "Keras HDF5 model (.h5)",
  "keras-v3": "Keras model (.keras zip of Keras 3)",
  "savedmodel-zip": "TensorFlow SavedModel (zip of the SavedModel folder)",
  "pytorch-zip": "PyTorch model (TorchScript or torch.save zip archive, .pt)",
  "pytorch-export": "PyTorch exported program (torch.export archive, .pt2)",
};
