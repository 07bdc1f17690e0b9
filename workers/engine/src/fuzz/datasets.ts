import { mutateBytes } from "./mutate-bytes.js";
import type { Rng } from "./rng.js";
import { npyOf, zipOf } from "./zip-writer.js";

/**
 * Datasets for the campaign: a valid .npz for a model input (random float32 `x`, integer labels or float
 * targets `y`, stored or deflated), and hostile ones: wrong keys, dtypes, shapes and header fields, headers that
 * claim more data than they hold, damaged zips.
 *
 * Hook: the .npz inspection that bounds a dataset's inflated size before it is read (issue 11, item 3) runs
 * inside the engine's dataset reader once it lands; `readDataset` in stages.ts is the one call that reads a
 * dataset, so the campaign drives it then with no change here.
 */
const f32 = (values: ArrayLike<number>): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);

/** `count` samples for an input of `inputShape` (batch first): x (N, …input without its batch), and maybe y. */
export function datasetFor(inputShape: readonly number[], count: number, rng: Rng, outputs = 4): Uint8Array {
  const sample = inputShape[0] === 1 ? inputShape.slice(1) : [...inputShape];
  const n = count * sample.reduce((a, b) => a * b, 1);
  const x = npyOf("<f4", [count, ...sample], f32(Float32Array.from({ length: n }, () => rng.next() * 2 - 1)));
  const entries: [string, Uint8Array][] = [["x", x]];
  const labels = rng.weighted([
    [5, "labels"],
    [2, "none"],
    [1, "values"],
  ] as const);
  if (labels === "labels") {
    const y = BigInt64Array.from({ length: count }, () => BigInt(rng.int(Math.max(1, outputs))));
    entries.push(["y", npyOf("<i8", [count], new Uint8Array(y.buffer))]);
  } else if (labels === "values") {
    const y = Float32Array.from({ length: count * outputs }, () => rng.next());
    entries.push(["y", npyOf("<f4", [count, outputs], new Uint8Array(y.buffer))]);
  }
  return zipOf(
    entries.map(([key, bytes]) => [`${key}.npy`, bytes] as const),
    rng.chance(0.3),
  );
}

const DESCRS = ["<f4", "<f8", "|i1", "<i2", "<i4", "<i8", "|b1", "<f2", ">f4", "<c8", "|O", "<U3", "float32", ""];

/** A hostile .npz: an x whose header lies (descr, order, shape, length), or extra, missing or odd entries. */
export function hostileDataset(inputShape: readonly number[], rng: Rng): Uint8Array {
  const sample = inputShape[0] === 1 ? inputShape.slice(1) : [...inputShape];
  const count = rng.range(0, 4);
  const shape = [count, ...sample];
  if (rng.chance(0.5)) shape[rng.int(shape.length)] = rng.interesting();
  const elements = Math.max(0, Math.min(4096, count * sample.reduce((a, b) => a * b, 1)));
  const data = f32(Float32Array.from({ length: rng.chance(0.8) ? elements : rng.int(elements + 8) }, () => rng.next()));
  const descr = rng.chance(0.7) ? "<f4" : rng.pick(DESCRS);
  const x = npyOf(descr, shape, data, rng.chance(0.1));
  const entries: [string, Uint8Array][] = [
    [rng.chance(0.9) ? "x.npy" : rng.pick(["X.npy", "x", "x.npy/", "../x.npy"]), x],
  ];
  if (rng.chance(0.3)) entries.push(["y.npy", npyOf(rng.pick(DESCRS), [rng.interesting()], data.subarray(0, 64))]);
  if (rng.chance(0.1)) entries.push(["x.npy", x]);
  const zip = zipOf(entries, rng.chance(0.3));
  return rng.chance(0.5) ? mutateBytes(zip, rng) : zip;
}
