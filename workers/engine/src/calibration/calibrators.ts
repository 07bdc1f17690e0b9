import { EngineError } from "../errors.js";
import { HISTOGRAM_BINS, type TensorStatistics } from "./statistics.js";

/** A calibration method: picks the real range [min, max] an activation is quantized over. */
export interface Calibrator {
  name: CalibrationMethod;
  range(stats: TensorStatistics, levels: number): [number, number];
}
export const CALIBRATION_METHODS = ["minmax", "percentile", "mse"] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

const binCenter = (s: TensorStatistics, i: number) => s.min + ((i + 0.5) * (s.max - s.min)) / HISTOGRAM_BINS;

/** The observed extremes: no value is clipped. */
export const minMaxCalibrator: Calibrator = { name: "minmax", range: (s) => [s.min, s.max] };

/** Clips the rarest values: the range between the given lower and upper percentiles of the histogram. */
export function percentileCalibrator(percentile = 99.99): Calibrator {
  return {
    name: "percentile",
    range(s) {
      if (s.count === 0 || s.max === s.min) return [s.min, s.max];
      const tail = (s.count * (100 - percentile)) / 100 / 2;
      let acc = 0;
      let lo = 0;
      while (lo < HISTOGRAM_BINS - 1 && acc + (s.histogram[lo] as number) <= tail) acc += s.histogram[lo++] as number;
      acc = 0;
      let hi = HISTOGRAM_BINS - 1;
      while (hi > lo && acc + (s.histogram[hi] as number) <= tail) acc += s.histogram[hi--] as number;
      const width = (s.max - s.min) / HISTOGRAM_BINS;
      return [s.min + lo * width, s.min + (hi + 1) * width];
    },
  };
}

/**
 * Minimises the expected squared quantization error (rounding inside the range + clipping outside it)
 * over the histogram: tries ranges that shrink the observed one from either side in steps, keeps the best.
 */
export const mseCalibrator: Calibrator = {
  name: "mse",
  range(s, levels) {
    if (s.count === 0 || s.max === s.min) return [s.min, s.max];
    const error = (lo: number, hi: number) => {
      const step = (hi - lo) / (levels - 1);
      let e = 0;
      for (let i = 0; i < HISTOGRAM_BINS; i++) {
        const n = s.histogram[i] as number;
        if (n === 0) continue;
        const v = binCenter(s, i);
        const c = Math.min(hi, Math.max(lo, v));
        const q = lo + Math.round((c - lo) / step) * step;
        e += n * (v - q) * (v - q);
      }
      return e;
    };
    // Candidate ranges scale the negative and the positive extent independently by 1, 0.9, 0.81, … 0.9^40
    // (down to 1.5 % of the observed extent, for tensors with far outliers).
    const fractions = Array.from({ length: 41 }, (_, i) => 0.9 ** i);
    let best: [number, number] = [s.min, s.max];
    let bestError = Number.POSITIVE_INFINITY;
    for (const fl of s.min < 0 ? fractions : [1]) {
      for (const fh of s.max > 0 ? fractions : [1]) {
        const lo = s.min < 0 ? s.min * fl : s.min;
        const hi = s.max > 0 ? s.max * fh : s.max;
        const e = error(Math.min(lo, 0), Math.max(hi, 0));
        if (e < bestError) {
          bestError = e;
          best = [lo, hi];
        }
      }
    }
    return best;
  },
};

export function calibratorFor(method: CalibrationMethod): Calibrator {
  switch (method) {
    case "minmax":
      return minMaxCalibrator;
    case "percentile":
      return percentileCalibrator();
    case "mse":
      return mseCalibrator;
    default:
      throw new EngineError("USAGE", `unknown calibration method "${method}": use ${CALIBRATION_METHODS.join(", ")}`);
  }
}
