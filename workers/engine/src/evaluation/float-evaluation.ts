import { HARDWARE_TARGETS, type TargetId } from "@tinyml/workflows/contracts";
import { analyzeGraph } from "../analysis/analyze.js";
import { datasetFromNpz } from "../dataset/dataset.js";
import { EngineError } from "../errors.js";
import { importModel } from "../model-io.js";
import { exportOnnx } from "../onnx/export.js";
import { runPasses } from "../passes/pipeline.js";
import { exportTflite } from "../tflite/export.js";
import { ENGINE_VERSION } from "../version.js";
import { onnxRuntimeExecutor } from "./executors.js";
import { type Quality, qualityOf } from "./metrics.js";

export interface FloatEvaluationRequest {
  model: Uint8Array;
  /** The uploaded file's name (its extension helps recognise the format). */
  modelName: string;
  /** An .npz with the inputs `x` and, for a quality figure, labels `y`. */
  dataset: Uint8Array;
  target: TargetId;
  /** Notes for the report, from the caller. */
  notes: string[];
  onProgress?: (message: string) => void;
}

/** The report of a float evaluation (`kind: "float-evaluation"`): what was evaluated, on what, with what quality. */
export interface FloatEvaluationReport {
  engineVersion: string;
  createdAt: string;
  kind: "float-evaluation";
  model: { name: string; format: string; params: number; macs: number; ops: Record<string, number> };
  target: { id: TargetId; name: string; ramBytes: number; flashBytes: number };
  dataset: { samples: number; labels: boolean };
  baseline: { sizeBytes: number; quality: Quality | null };
  evaluation: { executor: "onnxruntime-node"; samples: number };
  notes: string[];
}

export interface FloatEvaluation {
  tflite: Uint8Array;
  onnx: Uint8Array;
  report: FloatEvaluationReport;
}

/**
 * The float model evaluated, nothing optimized: imported, canonicalised by the standard passes, run under ONNX
 * Runtime over the dataset, and re-exported as TFLite and ONNX.
 */
export async function evaluateFloatModel(request: FloatEvaluationRequest): Promise<FloatEvaluation> {
  const progress = request.onProgress ?? (() => {});
  progress("importing the model");
  const { graph, format } = await importModel(request.model, request.modelName);
  runPasses(graph);
  const input = graph.tensors.get(graph.inputs[0] as string);
  if (graph.inputs.length !== 1 || !input) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `the engine evaluates single-input models; ${request.modelName} has ${graph.inputs.length}`,
    );
  }
  const data = await datasetFromNpz(request.dataset, input.shape);
  progress(`evaluating the float model on ${data.count} samples`);
  const onnx = exportOnnx(graph);
  const quality = qualityOf(await (await onnxRuntimeExecutor(onnx, "onnxruntime (float)")).runAll(data), data);
  const tflite = exportTflite(graph);
  const a = analyzeGraph(graph);
  const target = HARDWARE_TARGETS[request.target];
  const report: FloatEvaluationReport = {
    engineVersion: ENGINE_VERSION,
    createdAt: new Date().toISOString(),
    kind: "float-evaluation",
    model: { name: request.modelName, format, params: a.params, macs: a.macs, ops: a.ops },
    target: { id: target.id, name: target.name, ramBytes: target.ramBytes, flashBytes: target.flashBytes },
    dataset: { samples: data.count, labels: data.labels !== undefined },
    baseline: { sizeBytes: request.model.length, quality: quality ?? null },
    evaluation: { executor: "onnxruntime-node", samples: data.count },
    notes: request.notes,
  };
  return { tflite, onnx, report };
}
