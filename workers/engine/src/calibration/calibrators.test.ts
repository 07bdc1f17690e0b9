import { describe, expect, it } from "vitest";
import { minMaxCalibrator, mseCalibrator, percentileCalibrator } from "./calibrators.js";
import { HISTOGRAM_BINS, type TensorStatistics } from "./statistics.js";

/** Statistics of a sample of values, built the way collectStatistics builds them. */
function statsOf(values: number[]): TensorStatistics {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const histogram = new Float64Array(HISTOGRAM_BINS);
  const width = (max - min) / HISTOGRAM_BINS;
  for (const v of values) {
    const bin = Math.min(HISTOGRAM_BINS - 1, Math.floor((v - min) / width));
    histogram[bin] = (histogram[bin] as number) + 1;
  }
  return { min, max, histogram, count: values.length };
}

/** 100,000 values of a standard normal distribution (Box–Muller, fixed seed) plus one far outlier. */
function gaussianWithOutlier(): number[] {
  let s = 12345;
  const uniform = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s + 1) / (2 ** 31 + 1);
  };
  const values = Array.from(
    { length: 100_000 },
    () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
  );
  values.push(40);
  return values;
}

describe("calibrators", () => {
  const stats = statsOf(gaussianWithOutlier());

  it("minmax keeps the extremes, outlier included", () => {
    const [lo, hi] = minMaxCalibrator.range(stats, 256);
    expect(hi).toBe(40);
    expect(lo).toBe(stats.min);
  });

  it("percentile clips the outlier and the rarest tail values", () => {
    const [lo, hi] = percentileCalibrator(99.99).range(stats, 256);
    expect(hi).toBeLessThan(6);
    expect(hi).toBeGreaterThan(3);
    expect(lo).toBeLessThan(-3);
  });

  it("mse trades clipping for resolution: clips the outlier at 4 bits, keeps it at 16", () => {
    const [lo4, hi4] = mseCalibrator.range(stats, 16);
    expect(hi4).toBeLessThan(10);
    expect(lo4).toBeGreaterThanOrEqual(stats.min);
    expect(mseCalibrator.range(stats, 65536)).toEqual([stats.min, 40]);
    // Its expected error is never larger than that of the full range (which it tries too).
    const err = (l: number, h: number, levels: number) => {
      const step = (h - l) / (levels - 1);
      let e = 0;
      for (let i = 0; i < HISTOGRAM_BINS; i++) {
        const v = stats.min + ((i + 0.5) * (stats.max - stats.min)) / HISTOGRAM_BINS;
        const c = Math.min(h, Math.max(l, v));
        const q = l + Math.round((c - l) / step) * step;
        e += (stats.histogram[i] as number) * (v - q) ** 2;
      }
      return e;
    };
    for (const levels of [16, 256]) {
      const [l, h] = mseCalibrator.range(stats, levels);
      expect(err(l, h, levels)).toBeLessThanOrEqual(err(stats.min, stats.max, levels));
    }
  });

  it("all keep a constant tensor's range as it is", () => {
    const flat = statsOf([2, 2, 2]);
    for (const c of [minMaxCalibrator, percentileCalibrator(), mseCalibrator])
      expect(c.range(flat, 256)).toEqual([2, 2]);
  });
});
