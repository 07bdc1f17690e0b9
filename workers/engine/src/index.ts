/**
 * The engine's public entry: what its callers outside the package use. The worker's activities
 * (workers/service) recognise, import and describe a model (analyzeModel), optimize it or evaluate the float
 * model (quantizeModel), build the firmware (compileFirmware) and turn a run into figures and the download bundle
 * (finishBenchmark); the integration tests in test/ compare with it. The CLI (`tinyml-engine`, cli.ts) and
 * the engine's own tests import the modules directly. Add a name here when a caller needs it, not before.
 */
export { analyzeGraph } from "./analysis/analyze.js";
export type { BenchResult } from "./bench/analyze.js";
export type { KernelArch } from "./bench/boards.js";
export { prepareBenchmark } from "./bench/prepare.js";
export { assembleDeploymentBundle } from "./bundle/deployment-bundle.js";
export { packGeneratedC, unpackGeneratedC } from "./bundle/generated-c-archive.js";
export { type DatasetLimits, inspectNpz } from "./dataset/npz.js";
export { EngineError, type EngineErrorCode, isEngineError } from "./errors.js";
export { evaluateFloatModel, type FloatEvaluationReport } from "./evaluation/float-evaluation.js";
export { detectModelFormat } from "./model-format.js";
export { importModel } from "./model-io.js";
export { type EmitCOptions, type OptimizeRequest, optimize, type SizeBudget } from "./optimize.js";
export { runPasses } from "./passes/pipeline.js";
export type { OptimizationReport } from "./report.js";
