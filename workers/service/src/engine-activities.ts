import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  analyzeGraph,
  assembleDeploymentBundle,
  detectModelFormat,
  evaluateFloatModel,
  importModel,
  inspectNpz,
  type KernelArch,
  packGeneratedC,
  prepareBenchmark,
  runPasses,
  unpackGeneratedC,
} from "@tinyml/engine";
import {
  type AnalyzeModelRequest,
  type BlobRef,
  type BlobUpload,
  type CompileFirmwareRequest,
  type CompileFirmwareResult,
  type DatasetRef,
  downloadBlob,
  type EngineActivities,
  type FinishBenchmarkRequest,
  type FinishBenchmarkResult,
  HARDWARE_TARGETS,
  type ModelSummary,
  type QuantizeModelRequest,
  type QuantizeModelResult,
  uploadBlob,
} from "@tinyml/workflows/contracts";
import { badInput, failingAsBadInput, HEARTBEAT_INTERVAL_MS, withHeartbeats } from "./activity-context.js";
import { deploymentFigures, deploymentNotes, floatEvaluationFigures, optimizationFigures } from "./figures.js";
import { optimizeInThread } from "./optimize-runner.js";

export interface EngineActivityDeps {
  /** sdk/embedded and hardware-farm/firmware, from the worker's configuration (`engineFolders`). */
  folders: { runtimeDir: string; firmwareDir: string };
  /** HTTP client for the signed blob URLs (global fetch by default). */
  fetch?: typeof fetch;
  /**
   * The worker's own folder (`claimWorkerFolder`): each activity works in a fresh folder inside it, removed when
   * it ends, and the engine writes nothing elsewhere.
   */
  workDir: string;
  /** What one activity may use (`activityBudget` of the worker's configuration); unbounded when absent. */
  budget?: { memoryMb: number; maxDatasetBytes: number };
  heartbeatIntervalMs?: number;
}

/**
 * The job's size, as the API user set it: the engine names it in its messages ("over target_size_kb 40 (40000
 * bytes)"). A model over it is kept with a note (the job's target size is a goal), except `mixed`, which plans
 * within it and is refused when even all-int8 does not fit.
 */
const TARGET_SIZE_OPTION = "target_size_kb";

/** What `tinyml-engine optimize` uses when no flag says otherwise (workers/engine/src/cli.ts). */
const CLI_DEFAULTS = { calibration: "minmax", biasCorrection: true } as const;

const KERNEL_ARCHS: readonly KernelArch[] = ["armv7em", "rv32im", "ref"];

export const NOTES = Object.freeze({
  fp16: "fp16 models are not compiled to the int8/int16 runtime: no firmware, no deployment figures",
  pruning: (sparsity: number) =>
    `pruning was asked for (sparsity ${sparsity}) but the engine has no pruning yet: no weights were pruned`,
  nas: "architecture search was asked for but the engine has no architecture search yet: the uploaded architecture was kept",
  noQuantization:
    "quantization was turned off: the float model was evaluated and re-exported, not optimized; no C, no firmware, no deployment figures",
});

export const DATASET_REQUIRED = "a dataset_file (.npz with x and labels y) is required to calibrate and evaluate";

/**
 * The engine's activities of workflow `optimizeModel` (task queue `optimize`): each reads its inputs from signed
 * blob URLs into a fresh work folder, runs the engine there and writes its outputs back through signed upload URLs.
 * Engine errors (a corrupt or unsupported model, a bad dataset, a model that does not fit the target) and blobs the
 * store refuses (HTTP 4xx) fail non-retryably as `BadInput` with the engine's or the store's message; transient
 * transfer and infrastructure errors are retried.
 */
export function createEngineActivities(deps: EngineActivityDeps): EngineActivities {
  const interval = deps.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS;
  const transfer = (signal?: AbortSignal) => ({
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(signal ? { signal } : {}),
  });
  const get = (ref: BlobRef, signal?: AbortSignal) => downloadBlob(ref, transfer(signal));
  const put = (upload: BlobUpload, bytes: Uint8Array | string, signal?: AbortSignal) =>
    uploadBlob(upload, bytes, transfer(signal));
  /**
   * Downloads a dataset and checks it from its headers against the job's tier and this worker's budget, before
   * the engine reads it: a dataset that would inflate past them fails the activity at once as bad input.
   */
  const getDataset = async (ref: DatasetRef, signal?: AbortSignal): Promise<Uint8Array> => {
    const bytes = await get(ref, signal);
    const tier = Number.isFinite(ref.maxInflatedBytes) ? ref.maxInflatedBytes : Number.POSITIVE_INFINITY;
    const maxInflatedBytes = Math.min(tier, deps.budget?.maxDatasetBytes ?? Number.POSITIVE_INFINITY);
    if (Number.isFinite(maxInflatedBytes)) await inspectNpz(bytes, { maxInflatedBytes });
    return bytes;
  };

  /** A fresh folder for one activity, removed when it ends whatever the outcome. */
  async function inWorkFolder<T>(jobId: string, what: string, fn: (dir: string) => Promise<T>): Promise<T> {
    const safeId = jobId.replace(/[^\w.-]/g, "_").slice(0, 64);
    const dir = await mkdtemp(join(deps.workDir, `${what}-${safeId}-`));
    try {
      return await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    async analyzeModel(request: AnalyzeModelRequest): Promise<ModelSummary> {
      return failingAsBadInput(async () => {
        const bytes = await get(request.model);
        const format = await detectModelFormat(bytes);
        const { graph } = await importModel(bytes, request.model.fileName);
        runPasses(graph);
        const a = analyzeGraph(graph);
        return {
          format,
          params: a.params,
          macs: a.macs,
          ops: a.ops,
          peakActivationBytes: a.peakActivationBytes,
          modelBytes: bytes.length,
        };
      });
    },

    async quantizeModel(request: QuantizeModelRequest): Promise<QuantizeModelResult> {
      const { spec } = request;
      if (!request.dataset) throw badInput(DATASET_REQUIRED);
      const datasetRef = request.dataset;
      const notes: string[] = [];
      if (spec.enablePruning) notes.push(NOTES.pruning(spec.pruningSparsity));
      if (spec.enableNas) notes.push(NOTES.nas);
      return withHeartbeats(async ({ signal, progress }) => {
        progress(`downloading ${request.model.fileName} and ${datasetRef.fileName}`);
        const [model, dataset] = await Promise.all([get(request.model, signal), getDataset(datasetRef, signal)]);
        if (!spec.enableQuantization) {
          notes.push(NOTES.noQuantization);
          return evaluateFloat(request, model, dataset, notes, progress, signal);
        }
        const precision = spec.quantizationType;
        const emitC = precision !== "fp16";
        if (!emitC) notes.push(NOTES.fp16);
        return inWorkFolder(request.jobId, "quantize", async (dir) => {
          // in a worker thread: heartbeats keep flowing while the engine holds the CPU, and cancelling stops it
          const result = await optimizeInThread(
            {
              model,
              modelName: request.model.fileName,
              dataset,
              target: spec.hardwareTarget,
              precision,
              sizeBudget: { bytes: spec.targetSizeBytes, option: TARGET_SIZE_OPTION, whenOver: "note" },
              ...CLI_DEFAULTS,
              ...(emitC ? { emitC: { runtimeDir: deps.folders.runtimeDir, workDir: dir } } : {}),
            },
            {
              signal,
              onProgress: (stage, message) => progress(`[${stage}] ${message}`),
              ...(deps.budget ? { memoryMb: deps.budget.memoryMb } : {}),
            },
          );
          const report = result.report;
          notes.push(...report.notes);
          if (
            report.optimized.quality?.metric === "top1" &&
            report.optimized.quality.value < spec.targetAccuracyThreshold
          ) {
            notes.push(
              `top-1 after optimization is ${(report.optimized.quality.value * 100).toFixed(2)} %, below the target accuracy of ${(spec.targetAccuracyThreshold * 100).toFixed(2)} %`,
            );
          }
          progress(`uploading model.tflite, model.onnx, report.json${result.cFiles ? " and c.tar.gz" : ""}`);
          // the archive first: every upload starts only once all the bytes are ready
          const c = result.cFiles ? await packGeneratedC(result.cFiles, dir, signal) : null;
          await Promise.all([
            put(request.uploads["model.tflite"], result.tflite, signal),
            put(request.uploads["model.onnx"], result.onnx, signal),
            put(request.uploads["report.json"], `${JSON.stringify(report, null, 2)}\n`, signal),
            ...(c ? [put(request.uploads["c.tar.gz"], c, signal)] : []),
          ]);
          return { metrics: optimizationFigures(report), generatedC: result.cFiles !== null, notes };
        });
      }, interval);
    },

    async compileFirmware(request: CompileFirmwareRequest): Promise<CompileFirmwareResult> {
      return withHeartbeats(
        ({ signal, progress }) =>
          inWorkFolder(request.jobId, "compile", async (dir) => {
            progress("downloading the generated C and the dataset");
            const [c, dataset] = await Promise.all([get(request.c, signal), getDataset(request.dataset, signal)]);
            await unpackGeneratedC(c, { workDir: dir }, signal);
            const prepared = await prepareBenchmark({
              firmwareDir: deps.folders.firmwareDir,
              dir,
              target: request.target,
              dataset,
              limit: request.samples,
              onProgress: progress,
              signal,
            });
            progress("uploading firmware.elf, firmware.map, inputs.bin and expected.bin");
            await Promise.all([
              put(request.uploads["firmware.elf"], prepared.elf, signal),
              put(request.uploads["firmware.map"], prepared.map ?? "", signal),
              put(request.uploads["inputs.bin"], prepared.inputs, signal),
              put(request.uploads["expected.bin"], prepared.expected, signal),
            ]);
            return {
              inferences: prepared.count,
              outputBytes: prepared.header.outputBytes,
              kernels: prepared.arch,
              board: prepared.board,
            };
          }),
        interval,
      );
    },

    async finishBenchmark(request: FinishBenchmarkRequest): Promise<FinishBenchmarkResult> {
      const { compiled, run, reads, target } = request;
      const kernels = compiled.kernels as KernelArch;
      if (!KERNEL_ARCHS.includes(kernels)) {
        throw badInput(`compiled.kernels is "${compiled.kernels}": expected one of ${KERNEL_ARCHS.join(", ")}`);
      }
      return withHeartbeats(
        ({ signal, progress }) =>
          inWorkFolder(request.jobId, "finish", async (dir) => {
            progress("downloading the firmware, its outputs and the job's files");
            const modelOnnx = reads["model.onnx"];
            const [elf, map, expected, outputs, reportText, c, tflite, dataset, onnx] = await Promise.all([
              get(reads["firmware.elf"], signal),
              get(reads["firmware.map"], signal),
              get(reads["expected.bin"], signal),
              get(reads["outputs.bin"], signal),
              get(reads["report.json"], signal),
              get(reads["c.tar.gz"], signal),
              get(reads["model.tflite"], signal),
              getDataset(request.dataset, signal),
              modelOnnx ? get(modelOnnx, signal) : Promise.resolve(null),
            ]);
            progress(`analyzing ${run.perInference.length} inferences from board ${run.boardId} of ${run.host}`);
            const { result, benchmarkJson, reportJson, bundle } = await assembleDeploymentBundle({
              workDir: dir,
              target,
              board: compiled.board,
              arch: kernels,
              samples: request.samples,
              run: {
                perInference: run.perInference,
                summary: run.summary,
                outputs,
                command: run.command,
                source: run.source,
                ...(run.energyUjPerInference !== undefined ? { energyUjPerInference: run.energyUjPerInference } : {}),
              },
              files: { elf, map, expected, report: reportText, c, tflite, dataset, onnx },
              signal,
            });
            const notes = deploymentNotes(result, HARDWARE_TARGETS[target].name);
            if (!onnx) notes.push("model.onnx was not handed to finishBenchmark: the download bundle leaves it out");
            progress("uploading benchmark.json, report.json and bundle.tar.gz");
            await Promise.all([
              put(request.uploads["benchmark.json"], benchmarkJson, signal),
              put(request.uploads["report.json"], reportJson, signal),
            ]);
            await put(request.uploads["bundle.tar.gz"], bundle, signal);
            return { metrics: deploymentFigures(result), notes };
          }),
        interval,
      );
    },
  };

  /** enableQuantization = false: the float model evaluated with ONNX Runtime and re-exported, nothing optimized. */
  async function evaluateFloat(
    request: QuantizeModelRequest,
    model: Uint8Array,
    dataset: Uint8Array,
    notes: string[],
    progress: (message: string) => void,
    signal: AbortSignal,
  ): Promise<QuantizeModelResult> {
    const { tflite, onnx, report } = await evaluateFloatModel({
      model,
      modelName: request.model.fileName,
      dataset,
      target: request.spec.hardwareTarget,
      notes,
      onProgress: progress,
    });
    progress("uploading model.tflite, model.onnx and report.json");
    await Promise.all([
      put(request.uploads["model.tflite"], tflite, signal),
      put(request.uploads["model.onnx"], onnx, signal),
      put(request.uploads["report.json"], `${JSON.stringify(report, null, 2)}\n`, signal),
    ]);
    return { metrics: floatEvaluationFigures(report), generatedC: false, notes };
  }
}
