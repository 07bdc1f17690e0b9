export { ENGINE_ERROR_CODES, EngineError, type EngineErrorCode, isEngineError } from "./errors.js";
export * from "./ir/index.js";
export { detectModelFormat } from "./model-format.js";
export * from "./onnx/index.js";
export * from "./tflite/index.js";
