import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { generated } from "../testing/fixtures.js";
import { npyOf, npzOf } from "../testing/npz.js";
import { datasetFromNpz, sampleOf } from "./dataset.js";

const failure = (fn: () => unknown): EngineError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error("expected an EngineError");
};

describe("datasetFromNpz", () => {
  it("reads the KWS EEMBC inputs written by NumPy, with labels", () => {
    const d = datasetFromNpz(generated("kws_eembc.npz"), [1, 49, 10, 1]);
    expect(d.count).toBe(1000);
    expect(d.x.length).toBe(1000 * 490);
    expect(d.labels?.length).toBe(1000);
    expect(Math.max(...(d.labels ?? []))).toBe(11);
    // Dequantized int8 inputs: multiples of the input scale around the zero point.
    const scale = 0.5847029089927673;
    const first = sampleOf(d, 0);
    expect(Math.abs((first[0] as number) / scale - Math.round((first[0] as number) / scale))).toBeLessThan(1e-3);
  });

  it("reads float targets as values and compressed archives", () => {
    const x = new Float32Array([0, 1, 2]);
    const y = new Float32Array([0, 0.84, 0.91]);
    const d = datasetFromNpz(
      npzOf(
        { x: npyOf({ descr: "<f4", shape: [3, 1], data: x }), y: npyOf({ descr: "<f4", shape: [3], data: y }) },
        true,
      ),
      [1, 1],
    );
    expect(Array.from(d.values ?? [])).toEqual(Array.from(y));
    expect(d.labels).toBeUndefined();
  });

  it("accepts x with the batch dimension of 1 kept, and float64", () => {
    const x = new Float64Array(2 * 3).fill(0.5);
    const d = datasetFromNpz(npzOf({ x: npyOf({ descr: "<f8", shape: [2, 1, 3], data: x }) }), [1, 3]);
    expect(d.count).toBe(2);
    expect(d.x).toBeInstanceOf(Float32Array);
  });

  it("names what was expected: missing x, wrong shape, wrong dtype, wrong label count", () => {
    const f = new Float32Array(6);
    expect(
      failure(() => datasetFromNpz(npzOf({ inputs: npyOf({ descr: "<f4", shape: [2, 3], data: f }) }), [1, 3])).message,
    ).toMatch(/no array "x": expected x of shape \(N, 3\) and dtype float32; it holds "inputs"/);
    expect(
      failure(() => datasetFromNpz(npzOf({ x: npyOf({ descr: "<f4", shape: [3, 2], data: f }) }), [1, 3])).message,
    ).toMatch(/x has shape \(3, 2\): expected x of shape \(N, 3\).*model's input being \(1, 3\)/);
    expect(
      failure(() =>
        datasetFromNpz(npzOf({ x: npyOf({ descr: "|i1", shape: [2, 3], data: new Int8Array(6) }) }), [1, 3]),
      ).message,
    ).toMatch(/x has dtype int8/);
    expect(
      failure(() =>
        datasetFromNpz(
          npzOf({
            x: npyOf({ descr: "<f4", shape: [2, 3], data: f }),
            y: npyOf({ descr: "<i8", shape: [3], data: new BigInt64Array(3) }),
          }),
          [1, 3],
        ),
      ).message,
    ).toMatch(/y has shape \(3\): expected 2 entries/);
    expect(failure(() => datasetFromNpz(Buffer.from("not a zip"), [1, 3])).code).toBe("INVALID_DATASET");
  });

  it("refuses truncated archives with INVALID_DATASET", () => {
    const bytes = generated("hello_world.npz");
    for (const cut of [10, 100, bytes.length / 2, bytes.length - 30]) {
      expect(failure(() => datasetFromNpz(bytes.subarray(0, Math.floor(cut)), [1, 1])).code).toBe("INVALID_DATASET");
    }
  });
});
