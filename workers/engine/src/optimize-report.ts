import type { HardwareTarget } from "@tinyml/workflows/contracts";
import { analyzeGraph } from "./analysis/analyze.js";
import type { GeneratedC } from "./codegen/generate.js";
import type { Dataset } from "./dataset/dataset.js";
import { fidelityOf, type Quality, qualityOf } from "./evaluation/metrics.js";
import type { Graph } from "./ir/graph.js";
import type { Tensor } from "./ir/tensor.js";
import type { MixedPlan } from "./quantize/mixed.js";
import type { OptimizationReport } from "./report.js";
import { ENGINE_VERSION } from "./version.js";

/** The model `optimize` keeps, with its files and its outputs on the evaluation set. */
export interface KeptModel {
  graph: Graph;
  tflite: Uint8Array;
  onnx: Uint8Array;
  /** Outputs on the evaluation set: of the generated C built for the host when C was asked, else of ONNX Runtime. */
  outputs: Float32Array[];
  /** `mixed`: the plan, as kept (no promotions when the all-int8 model measured better). */
  mixed?: MixedPlan;
}

export interface CalibrationRecord {
  method: string;
  samples: number;
  biasCorrection: boolean;
}

/** What `optimize` hands its last stage: the request's facts and each stage's result. */
export interface OptimizationFacts {
  modelName: string;
  modelBytes: number;
  format: string;
  precision: OptimizationReport["optimized"]["precision"];
  sizeBudgetBytes: number | null;
  target: HardwareTarget;
  float: Graph;
  /** The whole dataset, and the part the models were evaluated on. */
  data: Dataset;
  evalSet: Dataset;
  floatOutputs: Float32Array[];
  kept: KeptModel;
  /** null for fp16, which is not calibrated. */
  calibration: CalibrationRecord | null;
  /** The generated C and ONNX Runtime's quality of the same model (its cross-check). */
  c?: { generated: GeneratedC; onnxQuality: Quality | undefined };
  timings: Record<string, number>;
  notes: string[];
}

/** `report.json` of an optimization: every figure computed from the stages' results. */
export function optimizationReport(f: OptimizationFacts): OptimizationReport {
  const analysis = analyzeGraph(f.float);
  const quality = qualityOf(f.kept.outputs, f.evalSet) ?? null;
  const c = f.c;
  return {
    engineVersion: ENGINE_VERSION,
    createdAt: new Date().toISOString(),
    model: {
      name: f.modelName,
      format: f.format,
      params: analysis.params,
      macs: analysis.macs,
      ops: analysis.ops,
      peakActivationBytes: analysis.peakActivationBytes,
    },
    target: { id: f.target.id, name: f.target.name, ramBytes: f.target.ramBytes, flashBytes: f.target.flashBytes },
    dataset: {
      samples: f.data.count,
      labels: f.data.labels !== undefined,
      calibrationSamples: f.calibration?.samples ?? 0,
    },
    baseline: { sizeBytes: f.modelBytes, quality: qualityOf(f.floatOutputs, f.evalSet) ?? null },
    optimized: {
      precision: f.precision,
      sizeBytes: f.kept.tflite.length,
      quality,
      fidelity: finiteFidelity(fidelityOf(f.floatOutputs, f.kept.outputs)),
      peakActivationBytes: analyzeGraph(f.kept.graph).peakActivationBytes,
      layers: f.float.nodes.map((n) => ({ name: n.name, op: n.op, precision: layerPrecision(f, n.name) })),
      sizeBudgetBytes: f.sizeBudgetBytes,
    },
    calibration: f.calibration,
    mixed: f.kept.mixed
      ? {
          baselineSqnrDb: f.kept.mixed.baselineSqnrDb,
          promoted: f.kept.mixed.promoted,
          sensitivities: f.kept.mixed.sensitivities,
        }
      : null,
    evaluation: c
      ? {
          executor: "c-host",
          samples: f.evalSet.count,
          crossCheck: { executor: "onnxruntime-node", quality: c.onnxQuality ?? null },
        }
      : { executor: "onnxruntime-node", samples: f.evalSet.count },
    timings: f.timings,
    notes: f.notes,
    ...(c
      ? {
          codegen: {
            arenaBytes: c.generated.arenaBytes,
            planner: c.generated.layout.planner,
            constantBytes: c.generated.constantBytes,
            kernels: c.generated.kernels,
            hostAccuracy: quality,
          },
        }
      : {}),
  };
}

/** The precision a float layer ended up in: that of its first output in the kept model. */
function layerPrecision(f: OptimizationFacts, name: string) {
  if (f.precision === "fp16") return "float16" as const;
  const node = f.kept.graph.nodes.find((n) => n.name === name);
  const out = node ? (f.kept.graph.tensors.get(node.outputs[0] as string) as Tensor) : undefined;
  return out?.dtype === "int16"
    ? ("int16x8" as const)
    : out?.dtype === "int8"
      ? ("int8" as const)
      : ("float32" as const);
}

/** JSON has no infinity: identical outputs (infinite SQNR) are reported as null. */
const finiteFidelity = (f: { top1Agreement: number; sqnrDb: number }) => ({
  top1Agreement: f.top1Agreement,
  sqnrDb: Number.isFinite(f.sqnrDb) ? f.sqnrDb : null,
});
