import { type Dataset, sampleOf } from "../dataset/dataset.js";
import type { Graph } from "../ir/graph.js";
import { ReferenceInterpreter } from "../runtime/interpreter.js";

export const HISTOGRAM_BINS = 2048;

/** What calibration knows of one tensor: its extremes, and a histogram of its values over [min, max]. */
export interface TensorStatistics {
  min: number;
  max: number;
  /** HISTOGRAM_BINS counts over [min, max]. */
  histogram: Float64Array;
  count: number;
}

/** The tensors calibration covers: graph inputs and every node output. */
const activationTensors = (graph: Graph): string[] => [...graph.inputs, ...graph.nodes.flatMap((n) => n.outputs)];

/**
 * Runs the float model over the calibration samples twice: first for each activation's extremes, then for
 * its histogram over those extremes. One reader for every calibration method (they differ only in how they
 * pick a range from these statistics).
 */
export function collectStatistics(
  graph: Graph,
  data: Dataset,
  interpreter = new ReferenceInterpreter(graph),
): Map<string, TensorStatistics> {
  const names = activationTensors(graph);
  const stats = new Map<string, TensorStatistics>(
    names.map((n) => [
      n,
      {
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        histogram: new Float64Array(HISTOGRAM_BINS),
        count: 0,
      },
    ]),
  );
  for (let i = 0; i < data.count; i++) {
    interpreter.run([sampleOf(data, i)], {
      observe: (name, values) => {
        const s = stats.get(name);
        if (!s) return;
        for (let k = 0; k < values.length; k++) {
          const v = values[k] as number;
          if (v < s.min) s.min = v;
          if (v > s.max) s.max = v;
        }
      },
    });
  }
  for (let i = 0; i < data.count; i++) {
    interpreter.run([sampleOf(data, i)], {
      observe: (name, values) => {
        const s = stats.get(name);
        if (!s) return;
        const width = (s.max - s.min) / HISTOGRAM_BINS;
        for (let k = 0; k < values.length; k++) {
          const bin = width > 0 ? Math.min(HISTOGRAM_BINS - 1, Math.floor(((values[k] as number) - s.min) / width)) : 0;
          s.histogram[bin] = (s.histogram[bin] as number) + 1;
        }
        s.count += values.length;
      },
    });
  }
  return stats;
}
