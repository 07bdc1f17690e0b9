import { HARDWARE_TARGETS, type TargetId } from "@tinyml/workflows/contracts";
import { analyzeGraph } from "./analysis/analyze.js";
import { type CalibrationMethod, calibratorFor } from "./calibration/calibrators.js";
import { collectStatistics } from "./calibration/statistics.js";
import { type CodegenOptions, type GeneratedC, generateC } from "./codegen/generate.js";
import { cHostExecutor } from "./codegen/host-build.js";
import { type Dataset, datasetFromNpz } from "./dataset/dataset.js";
import { EngineError } from "./errors.js";
import { ioQuantizationOf, onnxRuntimeExecutor } from "./evaluation/executors.js";
import { fidelityOf, type Quality, qualityOf } from "./evaluation/metrics.js";
import type { Graph } from "./ir/graph.js";
import type { Tensor } from "./ir/tensor.js";
import { importModel } from "./model-io.js";
import { exportOnnx } from "./onnx/index.js";
import { runPasses } from "./passes/pipeline.js";
import { correctBiases } from "./quantize/bias-correction.js";
import { quantizeFloat16 } from "./quantize/fp16.js";
import { type PrecisionPlan, quantizeInteger } from "./quantize/integer.js";
import { type MixedPlan, planMixedPrecision } from "./quantize/mixed.js";
import type { OptimizationReport } from "./report.js";
import { exportTflite } from "./tflite/index.js";
import { ENGINE_VERSION } from "./version.js";

export const PRECISIONS = ["int8", "int16x8", "fp16", "mixed"] as const;
export type Precision = (typeof PRECISIONS)[number];

export interface OptimizeRequest {
  model: Uint8Array;
  modelName: string;
  dataset: Uint8Array;
  target: TargetId;
  precision: Precision;
  /** Largest acceptable model.tflite, in bytes (drives `mixed`; an error for the others when exceeded). */
  sizeBudgetBytes?: number;
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
  emitC?: CodegenOptions;
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
export function spreadSubset(data: Dataset, count: number): Dataset {
  if (count >= data.count) return data;
  const size = data.x.length / data.count;
  const x = new Float32Array(count * size);
  for (let i = 0; i < count; i++) {
    const src = Math.floor((i * data.count) / count);
    x.set(data.x.subarray(src * size, (src + 1) * size), i * size);
  }
  return { count, sampleShape: data.sampleShape, x };
}

const isQuantizedGraph = (g: Graph) =>
  g.nodes.some((n) => n.outputs.some((o) => (g.tensors.get(o) as Tensor).quant !== undefined));

/**
 * The engine's main job: import → passes → calibrate → quantize → export (TFLite and ONNX) → evaluate the
 * float and the optimized model with ONNX Runtime on the dataset → report. Pure: bytes in, bytes out.
 */
export async function optimize(request: OptimizeRequest): Promise<OptimizeResult> {
  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, message: string, fn: () => T | Promise<T>): Promise<T> => {
    request.onProgress?.(stage, message);
    const t0 = performance.now();
    const result = await fn();
    timings[stage] = Math.round(performance.now() - t0);
    return result;
  };
  const target = HARDWARE_TARGETS[request.target];
  if (!target) throw new EngineError("USAGE", `unknown target "${request.target}"`);
  if (request.emitC && request.precision === "fp16") {
    throw new EngineError(
      "USAGE",
      "C code generation runs integer models: use --quantize int8, int16x8 or mixed with --emit c (fp16 keeps float activations)",
    );
  }

  const { graph: float, format } = await timed("import", "importing the model", () => {
    const imported = importModel(request.model, request.modelName);
    runPasses(imported.graph);
    return imported;
  });
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
  const inputShape = (float.tensors.get(float.inputs[0] as string) as Tensor).shape;
  const data = datasetFromNpz(request.dataset, inputShape);
  const evalData = request.evaluationLimit ? spreadSubset(data, request.evaluationLimit) : data;
  const evalSet: Dataset = request.evaluationLimit
    ? { ...evalData, ...subsetTargets(data, request.evaluationLimit) }
    : data;

  const floatOnnx = exportOnnx(float);
  const floatOutputs = await timed("baseline", "evaluating the float model", async () =>
    (await onnxRuntimeExecutor(floatOnnx, "onnxruntime (float)")).runAll(evalSet),
  );
  const analysis = analyzeGraph(float);

  const calibrationSamples = Math.min(request.calibrationSamples ?? 200, data.count);
  const calibrationSet = spreadSubset(data, calibrationSamples);
  const method = request.calibration ?? "minmax";
  const biasCorrection = request.biasCorrection ?? true;
  let optimized: Graph;
  let mixed: MixedPlan | undefined;
  let mixedInt8: Graph | undefined;
  if (request.precision === "fp16") {
    optimized = await timed("quantize", "converting weights to float16", () => quantizeFloat16(float));
  } else {
    const stats = await timed("calibrate", `calibrating on ${calibrationSamples} samples (${method})`, () =>
      collectStatistics(float, calibrationSet),
    );
    const calibrator = calibratorFor(method);
    const ranges = new Map<string, [number, number]>();
    for (const [name, s] of stats) {
      const bits = request.precision === "int16x8" ? 65536 : 256;
      ranges.set(name, calibrator.range(s, bits));
    }
    let plan: PrecisionPlan = { defaultBits: request.precision === "int16x8" ? 16 : 8 };
    if (request.precision === "mixed") {
      const budget = request.sizeBudgetBytes;
      if (!budget) throw new EngineError("USAGE", "--quantize mixed needs --size-budget-kb N");
      const sensitivitySet = spreadSubset(data, Math.min(100, data.count));
      mixed = await timed("sensitivity", "per-layer sensitivity analysis", () =>
        planMixedPrecision(float, ranges, sensitivitySet, budget, (g) => exportTflite(g).length),
      );
      plan = mixed.plan;
    }
    const biasSet = spreadSubset(data, Math.min(100, data.count));
    const quantizeWith = (p: PrecisionPlan) => {
      const q = quantizeInteger(float, ranges, p);
      if (biasCorrection) correctBiases(float, q, biasSet);
      return q;
    };
    optimized = await timed("quantize", `quantizing (${request.precision})`, () => quantizeWith(plan));
    if (mixed) mixedInt8 = quantizeWith({ defaultBits: 8 });
  }
  let tflite = await timed("export", "writing model.tflite and model.onnx", () => exportTflite(optimized));
  let onnx = exportOnnx(optimized);
  if (request.sizeBudgetBytes !== undefined && tflite.length > request.sizeBudgetBytes) {
    throw new EngineError(
      "UNSATISFIABLE",
      `the ${request.precision} model is ${(tflite.length / 1024).toFixed(1)} KB, over the ${(request.sizeBudgetBytes / 1024).toFixed(1)} KB budget`,
      { sizeBytes: tflite.length, budgetBytes: request.sizeBudgetBytes },
    );
  }
  let optimizedOutputs = await timed("evaluate", "evaluating the optimized model", async () =>
    (await onnxRuntimeExecutor(onnx, "onnxruntime (optimized)", ioQuantizationOf(optimized))).runAll(evalSet),
  );
  if (mixed && mixedInt8) {
    // The all-int8 plan is a candidate too: keep whichever measures better on the evaluation set, so that
    // `mixed` never does worse than `int8` under the same budget.
    const int8Onnx = exportOnnx(mixedInt8);
    const int8Outputs = await timed("evaluate-int8", "evaluating the all-int8 candidate", async () =>
      (await onnxRuntimeExecutor(int8Onnx, "onnxruntime (int8)", ioQuantizationOf(mixedInt8 as Graph))).runAll(evalSet),
    );
    if (isWorse(qualityOf(optimizedOutputs, evalSet), qualityOf(int8Outputs, evalSet))) {
      optimized = mixedInt8;
      tflite = exportTflite(mixedInt8);
      onnx = int8Onnx;
      optimizedOutputs = int8Outputs;
      mixed = { ...mixed, promoted: [], sizeBytes: tflite.length };
    }
  }

  // The generated C as the evaluator: the figures below are those of the code that ships.
  let c: GeneratedC | undefined;
  let onnxQuality: Quality | undefined;
  const { emitC } = request;
  if (emitC) {
    const generated = await timed("codegen", "generating C", () => generateC(optimized, emitC));
    c = generated;
    onnxQuality = qualityOf(optimizedOutputs, evalSet);
    optimizedOutputs = await timed("evaluate-c", "evaluating the generated C (host build)", async () => {
      const host = await cHostExecutor(generated);
      try {
        return await host.runAll(evalSet);
      } finally {
        await host.dispose();
      }
    });
  }

  const layerPrecision = (g: Graph, name: string) => {
    const node = g.nodes.find((n) => n.name === name);
    const out = node ? (g.tensors.get(node.outputs[0] as string) as Tensor) : undefined;
    if (request.precision === "fp16") return "float16" as const;
    return out?.dtype === "int16"
      ? ("int16x8" as const)
      : out?.dtype === "int8"
        ? ("int8" as const)
        : ("float32" as const);
  };
  const report: OptimizationReport = {
    engineVersion: ENGINE_VERSION,
    createdAt: new Date().toISOString(),
    model: {
      name: request.modelName,
      format,
      params: analysis.params,
      macs: analysis.macs,
      ops: analysis.ops,
      peakActivationBytes: analysis.peakActivationBytes,
    },
    target: { id: target.id, name: target.name, ramBytes: target.ramBytes, flashBytes: target.flashBytes },
    dataset: {
      samples: data.count,
      labels: data.labels !== undefined,
      calibrationSamples: request.precision === "fp16" ? 0 : calibrationSamples,
    },
    baseline: { sizeBytes: request.model.length, quality: qualityOf(floatOutputs, evalSet) ?? null },
    optimized: {
      precision: request.precision,
      sizeBytes: tflite.length,
      quality: qualityOf(optimizedOutputs, evalSet) ?? null,
      fidelity: finiteFidelity(fidelityOf(floatOutputs, optimizedOutputs)),
      peakActivationBytes: analyzeGraph(optimized).peakActivationBytes,
      layers: float.nodes.map((n) => ({ name: n.name, op: n.op, precision: layerPrecision(optimized, n.name) })),
      sizeBudgetBytes: request.sizeBudgetBytes ?? null,
    },
    calibration: request.precision === "fp16" ? null : { method, samples: calibrationSamples, biasCorrection },
    mixed: mixed
      ? { baselineSqnrDb: mixed.baselineSqnrDb, promoted: mixed.promoted, sensitivities: mixed.sensitivities }
      : null,
    evaluation: c
      ? {
          executor: "c-host",
          samples: evalSet.count,
          crossCheck: { executor: "onnxruntime-node", quality: onnxQuality ?? null },
        }
      : { executor: "onnxruntime-node", samples: evalSet.count },
    timings,
    ...(c
      ? {
          codegen: {
            arenaBytes: c.arenaBytes,
            planner: c.layout.planner,
            constantBytes: c.constantBytes,
            kernels: c.kernels,
            hostAccuracy: qualityOf(optimizedOutputs, evalSet) ?? null,
          },
        }
      : {}),
  };
  return { float, optimized, tflite, onnx, ...(c ? { c } : {}), report };
}

/** JSON has no infinity: identical outputs (infinite SQNR) are reported as null. */
const finiteFidelity = (f: { top1Agreement: number; sqnrDb: number }) => ({
  top1Agreement: f.top1Agreement,
  sqnrDb: Number.isFinite(f.sqnrDb) ? f.sqnrDb : null,
});

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
