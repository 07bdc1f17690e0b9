import type { BenchResult, FloatEvaluationReport, OptimizationReport } from "@tinyml/engine";
import type { Figure, JobMetrics } from "@tinyml/workflows/contracts";

/**
 * The job's figures (contracts' `JobMetrics`) from the engine's records, each with its source: `computed` for what
 * the engine measured of the files and on the host, the run's source (`emulated` under QEMU, `measured` on a
 * physical board) for what the firmware reported, `estimated` for the cost model's latency and energy.
 */

type Quality = NonNullable<OptimizationReport["baseline"]["quality"]>;

const qualityUnit = (q: Quality) => (q.metric === "top1" ? "top-1" : q.metric);

/** The float model's quality, as measured under ONNX Runtime. */
const floatAccuracy = (q: Quality): Figure => ({
  value: q.value,
  unit: qualityUnit(q),
  source: "computed",
  basis: `float model under ONNX Runtime on ${q.samples} samples`,
});

/** Figures of a float evaluation (quantization turned off): the float model's quality and size. */
export function floatEvaluationFigures(report: FloatEvaluationReport): JobMetrics {
  const metrics: JobMetrics = {
    model_bytes_before: {
      value: report.baseline.sizeBytes,
      unit: "B",
      source: "computed",
      basis: `uploaded ${report.model.format} file`,
    },
  };
  if (report.baseline.quality) metrics.accuracy_before = floatAccuracy(report.baseline.quality);
  return metrics;
}

/** Figures of `optimize`: quality before and after, model sizes before and after. */
export function optimizationFigures(report: OptimizationReport): JobMetrics {
  const metrics: JobMetrics = {};
  const samples = report.evaluation.samples;
  if (report.baseline.quality) metrics.accuracy_before = floatAccuracy(report.baseline.quality);
  if (report.optimized.quality) {
    const q = report.optimized.quality;
    metrics.accuracy_after = {
      value: q.value,
      unit: qualityUnit(q),
      source: "computed",
      basis:
        report.evaluation.executor === "c-host"
          ? `generated C built for the host on ${q.samples} samples`
          : `${report.optimized.precision} model under ONNX Runtime on ${q.samples} samples`,
    };
  }
  metrics.model_bytes_before = {
    value: report.baseline.sizeBytes,
    unit: "B",
    source: "computed",
    basis: `uploaded ${report.model.format} file`,
  };
  metrics.model_bytes_after = {
    value: report.optimized.sizeBytes,
    unit: "B",
    source: "computed",
    basis: `${report.optimized.precision} model.tflite (evaluated on ${samples} samples)`,
  };
  return metrics;
}

/** Figures of the deployed firmware, from `analyzeBenchmark`. */
export function deploymentFigures(result: BenchResult): JobMetrics {
  const { record: r, deployment: d } = result;
  const onBoard = `${r.board}, ${r.samples} inferences`;
  const cycles = r.instructions.source === "measured" && /cyc/i.test(r.counter.name);
  const metrics: Record<string, Figure> = {
    flash_bytes: { ...d.flashBytes, unit: "B", basis: "allocated sections of the linked firmware image (ELF)" },
    ram_bytes: {
      ...d.ramBytes,
      unit: "B",
      basis: `static RAM of the image ${r.memory.staticRamBytes} B + peak stack ${r.memory.peakStackBytes} B`,
    },
    arena_bytes: { ...d.arenaBytes, unit: "B", basis: "the model's tensor arena, reported by the harness" },
    peak_stack_bytes: { ...d.peakStackBytes, unit: "B", basis: `stack painting on ${r.board}` },
    [cycles ? "cycles_per_inference" : "instructions_per_inference"]: {
      ...d.instructionsPerInference,
      unit: cycles ? "cycles" : "instructions",
      basis: `mean of ${r.samples} inferences, counter ${r.counter.name} on ${r.board}`,
    },
    outputs_matching_host: {
      value: d.outputsMatchingHost,
      unit: "inferences",
      source: r.instructions.source,
      basis: `of ${r.samples} with output bytes identical to the same C built for the host`,
    },
  };
  if (d.latencyMs) {
    metrics.latency_ms = {
      ...d.latencyMs,
      unit: "ms",
      basis:
        d.latencyMs.source === "measured"
          ? `cycle counter of ${r.board} at ${r.estimate?.clockMhz ?? "the catalog"} clock`
          : `${r.estimate?.part}: ${r.estimate?.cpi.toFixed(2)} cycles per instruction (${r.estimate?.cpiBasis}) at ${r.estimate?.clockMhz} MHz`,
    };
  }
  if (d.energyUj) {
    metrics.energy_uj = {
      ...d.energyUj,
      unit: "µJ",
      basis: d.energyUj.source === "measured" ? `power monitor of ${r.board}` : (r.estimate?.powerBasis ?? ""),
    };
  }
  if (d.quality) {
    metrics.board_accuracy = {
      value: d.quality.value,
      unit: "top-1",
      source: r.instructions.source,
      basis: `deployed code on ${onBoard}`,
    };
  }
  return metrics;
}

/** What a user must read beside the deployment figures. */
export function deploymentNotes(result: BenchResult, targetName: string): string[] {
  const { record: r, deployment: d } = result;
  const notes: string[] = [];
  if (d.outputsMatchingHost !== r.samples) {
    notes.push(
      `${r.samples - d.outputsMatchingHost} of ${r.samples} inferences on ${r.board} gave output bytes different from the same C built for the host: the deployed code does not compute what was evaluated (a runtime or compiler fault to investigate)`,
    );
  }
  if (!d.fits) {
    notes.push(
      `the firmware needs ${d.flashBytes.value} B of flash and ${d.ramBytes.value} B of RAM: more than the ${targetName}'s ${r.catalog.flashBytes} B and ${r.catalog.ramBytes} B`,
    );
  }
  if (r.instructions.source === "emulated") {
    notes.push(
      `instructions, memory and outputs come from running the firmware in QEMU (${d.emulator}); latency and energy are estimates from a per-core cost model, not measurements`,
    );
  }
  return notes;
}
