export * from "./analysis/index.js";
export * from "./bench/index.js";
export {
  assembleDeploymentBundle,
  type DeploymentBundle,
  type DeploymentBundleRequest,
} from "./bundle/deployment-bundle.js";
export { packGeneratedC, unpackGeneratedC } from "./bundle/generated-c-archive.js";
export * from "./calibration/index.js";
export * from "./codegen/index.js";
export * from "./dataset/index.js";
export { ENGINE_ERROR_CODES, EngineError, type EngineErrorCode, isEngineError } from "./errors.js";
export {
  evaluateFloatModel,
  type FloatEvaluation,
  type FloatEvaluationReport,
  type FloatEvaluationRequest,
} from "./evaluation/float-evaluation.js";
export * from "./evaluation/index.js";
export * from "./ir/index.js";
export { detectModelFormat } from "./model-format.js";
export { importModel } from "./model-io.js";
export * from "./onnx/index.js";
export { type OptimizeRequest, type OptimizeResult, optimize, PRECISIONS, type Precision } from "./optimize.js";
export * from "./passes/index.js";
export * from "./quantize/index.js";
export { type OptimizationReport, OptimizationReportSchema } from "./report.js";
export * from "./runtime/index.js";
export * from "./tflite/index.js";
export { ENGINE_VERSION } from "./version.js";
