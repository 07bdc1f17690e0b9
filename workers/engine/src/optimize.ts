import { HARDWARE_TARGETS, type HardwareTarget, type TargetId } from "@tinyml/workflows/contracts";
import { type CalibrationMethod, calibratorFor } from "./calibration/calibrators.js";
import { collectStatistics } from "./calibration/statistics.js";
import { type CodegenOptions, type GeneratedC, generateC } from "./codegen/generate.js";
import { cHostExecutor } from "./codegen/host-build.js";
import { type Dataset, datasetFromNpz } from "./dataset/dataset.js";
import { EngineError } from "./errors.js";
import { ioQuantizationOf, onnxRuntimeExecutor } from "./evaluation/executors.js";
import { type Quality, qualityOf } from "./evaluation/metrics.js";
import type { Graph } from "./ir/graph.js";
import type { Tensor } from "./ir/tensor.js";
import { importModel } from "./model-io.js";
import { exportOnnx } from "./onnx/index.js";
import { type CalibrationRecord, type KeptModel, optimizationReport } from "./optimize-report.js";
import { runPasses } from "./passes/pipeline.js";
import { correctBiases } from "./quantize/bias-correction.js";
import { quantizeFloat16 } from "./quantize/fp16.js";
import { type PrecisionPlan, quantizeInteger } from "./quantize/integer.js";
import { type MixedPlan, planMixedPrecision } from "./quantize/mixed.js";
import type { OptimizationReport } from "./report.js";
import { overSizeBudget, type SizeBudget, sizeBudgetError } from "./size-budget.js";
import { exportTflite } from "./tflite/index.js";

export type { SizeBudget } from "./size-budget.js";

export const PRECISIONS = ["int8", "int16x8", "fp16", "mixed"] as const;
export type Precision = (typeof PRECISIONS)[number];

/**
 * C generation's options, and the caller's work folder: the generated C is built for the host there (to evaluate
 * it), and nothing is written elsewhere.
 */
export type EmitCOptions = CodegenOptions & { workDir: string };

export interface OptimizeRequest {
  model: Uint8Array;
  modelName: string;
  dataset: Uint8Array;
  target: TargetId;
  precision: Precision;
  /** The size model.tflite must fit in (`mixed` needs one and plans within it); see `SizeBudget`. */
  sizeBudget?: SizeBudget;
  calibration?: CalibrationMethod;
  /** Calibration subset size (spread evenly over the dataset). */
  calibrationSamples?: number;
  biasCorrection?: boolean;
  /** Evaluate on at most this many samples (all by default). */
  evaluationLimit?: number;
  /**
   * Also generate C with these options (DIR/c/ with the CLI's --emit c; `runtimeDir` names sdk/embedded) and make
   * it the evaluator: the C is compiled with the host compiler and run over the evaluation set, so the reported
   * quality is that of the code that ships (ONNX Runtime's figure stays as `evaluation.crossCheck`). Integer
   * precisions only.
   */
  emitC?: EmitCOptions;
  onProgress?: (stage: string, message: string) => void;
}

export interface OptimizeResult {
  float: Graph;
  optimized: Graph;
  tflite: Uint8Array;
  onnx: Uint8Array;
  /** The generated C, when `emitC` was asked. */
  c?: GeneratedC;
  report: OptimizationReport;
}

/** `count` samples spread evenly over the dataset (deterministic). */
function spreadSubset(data: Dataset, count: number): Dataset {
  if (count >= data.count) return data;
  const size = data.x.length / data.count;
  const x = new Float32Array(count * size);
  for (let i = 0; i < count; i++) {
    const src = Math.floor((i * data.count) / count);
    x.set(data.x.subarray(src * size, (src + 1) * size), i * size);
  }
  return { count, sampleShape: data.sampleShape, x };
}

/**
 * The engine's main job, as named stages: check the request → import → baseline (the float model under ONNX
 * Runtime) → quantize (calibrate, plan, quantize) → export (TFLite and ONNX; the size budget is checked here) →
 * evaluate (ONNX Runtime, or the generated C built for the host) → report. Pure: bytes in, bytes out.
 */
export async function optimize(request: OptimizeRequest): Promise<OptimizeResult> {
  const stages = stageTimer(request.onProgress);
  const target = checkRequest(request);
  const { graph: float, format } = await stages.run("import", "importing the model", () => importFloat(request));
  const data = await datasetFor(request, float);
  const floatOutputs = await stages.run("baseline", "evaluating the float model", async () =>
    (await onnxRuntimeExecutor(exportOnnx(float), "onnxruntime (float)")).runAll(data.evalSet),
  );
  const quantized = await quantizeStage(request, float, data.all, stages);
  const exported = await stages.run("export", "writing model.tflite and model.onnx", () =>
    exportModel(quantized.optimized),
  );
  const notes = checkSizeBudget(request, exported.tflite.length);
  let kept = await evaluateStage(quantized, exported, data.evalSet, stages);
  const generated = request.emitC ? await generateCStage(request, kept, data.evalSet, stages) : undefined;
  if (generated) kept = { ...kept, outputs: generated.outputs };
  const report = optimizationReport({
    modelName: request.modelName,
    modelBytes: request.model.length,
    format,
    precision: request.precision,
    sizeBudgetBytes: request.sizeBudget?.bytes ?? null,
    target,
    float,
    data: data.all,
    evalSet: data.evalSet,
    floatOutputs,
    kept,
    calibration: quantized.calibration,
    ...(generated ? { c: { generated: generated.c, onnxQuality: generated.onnxQuality } } : {}),
    timings: stages.timings,
    notes,
  });
  return {
    float,
    optimized: kept.graph,
    tflite: kept.tflite,
    onnx: kept.onnx,
    ...(generated ? { c: generated.c } : {}),
    report,
  };
}

// ── stages ─────────────────────────────────────────────────────────────────────────────────────────────────────

interface Stages {
  /** Runs one stage: reports it through `onProgress` and records how long it took under its name. */
  run<T>(stage: string, message: string, fn: () => T | Promise<T>): Promise<T>;
  timings: Record<string, number>;
}

function stageTimer(onProgress: OptimizeRequest["onProgress"]): Stages {
  const timings: Record<string, number> = {};
  return {
    timings,
    async run(stage, message, fn) {
      onProgress?.(stage, message);
      const t0 = performance.now();
      const result = await fn();
      timings[stage] = Math.round(performance.now() - t0);
      return result;
    },
  };
}

/** The target of the request, once the request is known to be one the engine can do. */
function checkRequest(request: OptimizeRequest): HardwareTarget {
  const target = HARDWARE_TARGETS[request.target];
  if (!target) throw new EngineError("USAGE", `unknown target "${request.target}"`);
  if (request.emitC && request.precision === "fp16") {
    throw new EngineError(
      "USAGE",
      "C code generation runs integer models: use --quantize int8, int16x8 or mixed with --emit c (fp16 keeps float activations)",
    );
  }
  if (request.precision === "mixed" && !request.sizeBudget) {
    throw new EngineError("USAGE", "mixed precision plans within a size budget: give one (sizeBudget)");
  }
  return target;
}

const isQuantizedGraph = (g: Graph) =>
  g.nodes.some((n) => n.outputs.some((o) => (g.tensors.get(o) as Tensor).quant !== undefined));

/** The uploaded model as a float graph after the passes: single input, not already quantized. */
async function importFloat(request: OptimizeRequest): Promise<{ graph: Graph; format: string }> {
  const imported = await importModel(request.model, request.modelName);
  runPasses(imported.graph);
  const float = imported.graph;
  if (isQuantizedGraph(float)) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `${request.modelName} is already quantized (its activations are integers): upload the float model to optimize it`,
    );
  }
  if (float.inputs.length !== 1) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `the engine optimizes single-input models; ${request.modelName} has ${float.inputs.length}`,
    );
  }
  const constant = float.outputs.find((name) => (float.tensors.get(name) as Tensor).data !== undefined);
  if (constant !== undefined) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `output "${constant}" of ${request.modelName} is a constant: it does not depend on the model's input, so there is nothing to optimize`,
    );
  }
  const input = float.tensors.get(float.inputs[0] as string) as Tensor;
  if (input.dtype !== "float32") {
    // the dataset's samples are float32, and so is what calibration and evaluation feed the model
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `the engine optimizes models with a float32 input; input "${input.name}" of ${request.modelName} is ${input.dtype}: export the model with a float32 input`,
    );
  }
  return imported;
}

/** The dataset read for the model's input, and the evaluation set (all of it, or `evaluationLimit` spread). */
async function datasetFor(request: OptimizeRequest, float: Graph): Promise<{ all: Dataset; evalSet: Dataset }> {
  const inputShape = (float.tensors.get(float.inputs[0] as string) as Tensor).shape;
  const all = await datasetFromNpz(request.dataset, inputShape);
  if (!request.evaluationLimit) return { all, evalSet: all };
  return {
    all,
    evalSet: { ...spreadSubset(all, request.evaluationLimit), ...subsetTargets(all, request.evaluationLimit) },
  };
}

interface Quantized {
  optimized: Graph;
  /** `mixed`: the plan, and the all-int8 model it competes with at evaluation. */
  mixed?: { plan: MixedPlan; int8: Graph };
  calibration: CalibrationRecord | null;
}

/** fp16: weights to float16. Integer precisions: calibrate, plan (`mixed`), quantize, correct biases. */
async function quantizeStage(
  request: OptimizeRequest,
  float: Graph,
  data: Dataset,
  stages: Stages,
): Promise<Quantized> {
  if (request.precision === "fp16") {
    const optimized = await stages.run("quantize", "converting weights to float16", () => quantizeFloat16(float));
    return { optimized, calibration: null };
  }
  const samples = Math.min(request.calibrationSamples ?? 200, data.count);
  const method = request.calibration ?? "minmax";
  const biasCorrection = request.biasCorrection ?? true;
  const stats = await stages.run("calibrate", `calibrating on ${samples} samples (${method})`, () =>
    collectStatistics(float, spreadSubset(data, samples)),
  );
  const calibrator = calibratorFor(method);
  const levels = request.precision === "int16x8" ? 65536 : 256;
  const ranges = new Map<string, [number, number]>();
  for (const [name, s] of stats) ranges.set(name, calibrator.range(s, levels));

  const biasSet = spreadSubset(data, Math.min(100, data.count));
  const quantizeWith = (plan: PrecisionPlan) => {
    const q = quantizeInteger(float, ranges, plan);
    if (biasCorrection) correctBiases(float, q, biasSet);
    return q;
  };
  const calibration = { method, samples, biasCorrection };
  if (request.precision !== "mixed") {
    const plan: PrecisionPlan = { defaultBits: request.precision === "int16x8" ? 16 : 8 };
    const optimized = await stages.run("quantize", `quantizing (${request.precision})`, () => quantizeWith(plan));
    return { optimized, calibration };
  }
  const budget = request.sizeBudget as SizeBudget;
  const sensitivitySet = spreadSubset(data, Math.min(100, data.count));
  const plan = await stages.run("sensitivity", "per-layer sensitivity analysis", () =>
    planMixedPrecision(float, ranges, sensitivitySet, budget, (g) => exportTflite(g).length),
  );
  const optimized = await stages.run("quantize", "quantizing (mixed)", () => quantizeWith(plan.plan));
  return { optimized, mixed: { plan, int8: quantizeWith({ defaultBits: 8 }) }, calibration };
}

const exportModel = (graph: Graph) => ({ tflite: exportTflite(graph), onnx: exportOnnx(graph) });

/**
 * Whether model.tflite fits the caller's budget: the one place this is decided for a finished model. Over it, the
 * model is refused, or kept with a note when the caller asked for that (never for `mixed`, which plans within it).
 */
function checkSizeBudget(request: OptimizeRequest, sizeBytes: number): string[] {
  const budget = request.sizeBudget;
  if (!budget) return [];
  const over = overSizeBudget(`the ${request.precision} model`, sizeBytes, budget);
  if (!over) return [];
  if (budget.whenOver === "note" && request.precision !== "mixed") return [over];
  const smaller = request.precision === "int16x8" || request.precision === "fp16" ? "quantize to int8" : undefined;
  throw sizeBudgetError(over, sizeBytes, budget, smaller);
}

/**
 * The optimized model under ONNX Runtime. For `mixed`, the all-int8 plan is a candidate too: whichever measures
 * better on the evaluation set is kept, so that `mixed` never does worse than `int8` under the same budget.
 */
async function evaluateStage(
  quantized: Quantized,
  exported: { tflite: Uint8Array; onnx: Uint8Array },
  evalSet: Dataset,
  stages: Stages,
): Promise<KeptModel> {
  const run = async (graph: Graph, onnx: Uint8Array, label: string) =>
    (await onnxRuntimeExecutor(onnx, `onnxruntime (${label})`, ioQuantizationOf(graph))).runAll(evalSet);
  const graph = quantized.optimized;
  const outputs = await stages.run("evaluate", "evaluating the optimized model", () =>
    run(graph, exported.onnx, "optimized"),
  );
  const optimized: KeptModel = { graph, ...exported, outputs };
  if (!quantized.mixed) return optimized;
  const { plan, int8 } = quantized.mixed;
  const int8Onnx = exportOnnx(int8);
  const int8Outputs = await stages.run("evaluate-int8", "evaluating the all-int8 candidate", () =>
    run(int8, int8Onnx, "int8"),
  );
  if (!isWorse(qualityOf(outputs, evalSet), qualityOf(int8Outputs, evalSet))) return { ...optimized, mixed: plan };
  const tflite = exportTflite(int8);
  return {
    graph: int8,
    tflite,
    onnx: int8Onnx,
    outputs: int8Outputs,
    mixed: { ...plan, promoted: [], sizeBytes: tflite.length },
  };
}

/**
 * The generated C as the evaluator: it is built for the host and run over the evaluation set, so that the figures
 * reported are those of the code that ships; ONNX Runtime's quality stays as the cross-check.
 */
async function generateCStage(
  request: OptimizeRequest,
  kept: KeptModel,
  evalSet: Dataset,
  stages: Stages,
): Promise<{ c: GeneratedC; outputs: Float32Array[]; onnxQuality: Quality | undefined }> {
  const c = await stages.run("codegen", "generating C", () => generateC(kept.graph, request.emitC as EmitCOptions));
  const outputs = await stages.run("evaluate-c", "evaluating the generated C (host build)", async () => {
    const host = await cHostExecutor(c, { workDir: (request.emitC as EmitCOptions).workDir });
    try {
      return await host.runAll(evalSet);
    } finally {
      await host.dispose();
    }
  });
  return { c, outputs, onnxQuality: qualityOf(kept.outputs, evalSet) };
}

/** Whether quality `a` is worse than `b` (lower top-1 / AUC, higher MSE). */
function isWorse(a: Quality | undefined, b: Quality | undefined): boolean {
  if (!a || !b) return false;
  return a.metric === "mse" ? a.value > b.value : a.value < b.value;
}

function subsetTargets(data: Dataset, count: number): Partial<Dataset> {
  const pick = (i: number) => Math.floor((i * data.count) / count);
  if (data.labels) return { labels: Int32Array.from({ length: count }, (_, i) => data.labels?.[pick(i)] as number) };
  if (data.values) {
    const per = data.values.length / data.count;
    const values = new Float32Array(count * per);
    for (let i = 0; i < count; i++) values.set(data.values.subarray(pick(i) * per, (pick(i) + 1) * per), i * per);
    return { values };
  }
  return {};
}
