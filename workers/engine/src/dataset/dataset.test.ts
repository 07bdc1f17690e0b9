import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { generated } from "../testing/fixtures.js";
import { datasetFromNpz, sampleOf } from "./dataset.js";

/** A .npy file as NumPy writes it (format 1.0). */
function npy(descr: string, shape: number[], data: ArrayBufferView): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  header += `${" ".repeat(63 - ((header.length + 10) % 64))}\n`;
  const pre = Buffer.alloc(10);
  pre.write("\x93NUMPY", 0, "latin1");
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([
    pre,
    Buffer.from(header, "latin1"),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ]);
}

/** A zip archive with a central directory, entries stored or deflated, as np.savez(_compressed) writes. */
function npz(entries: Record<string, Buffer>, compress = false): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [key, raw] of Object.entries(entries)) {
    const name = Buffer.from(`${key}.npy`);
    const body = compress ? deflateRawSync(raw) : raw;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(compress ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(compress ? 8 : 0, 10);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(raw.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    central.push(dir, name);
    offset += 30 + name.length + body.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dirBytes, end]);
}

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
    const d = datasetFromNpz(npz({ x: npy("<f4", [3, 1], x), y: npy("<f4", [3], y) }, true), [1, 1]);
    expect(Array.from(d.values ?? [])).toEqual(Array.from(y));
    expect(d.labels).toBeUndefined();
  });

  it("accepts x with the batch dimension of 1 kept, and float64", () => {
    const x = new Float64Array(2 * 3).fill(0.5);
    const d = datasetFromNpz(npz({ x: npy("<f8", [2, 1, 3], x) }), [1, 3]);
    expect(d.count).toBe(2);
    expect(d.x).toBeInstanceOf(Float32Array);
  });

  it("names what was expected: missing x, wrong shape, wrong dtype, wrong label count", () => {
    const f = new Float32Array(6);
    expect(failure(() => datasetFromNpz(npz({ inputs: npy("<f4", [2, 3], f) }), [1, 3])).message).toMatch(
      /no array "x": expected x of shape \(N, 3\) and dtype float32; it holds "inputs"/,
    );
    expect(failure(() => datasetFromNpz(npz({ x: npy("<f4", [3, 2], f) }), [1, 3])).message).toMatch(
      /x has shape \(3, 2\): expected x of shape \(N, 3\).*model's input being \(1, 3\)/,
    );
    expect(failure(() => datasetFromNpz(npz({ x: npy("|i1", [2, 3], new Int8Array(6)) }), [1, 3])).message).toMatch(
      /x has dtype int8/,
    );
    expect(
      failure(() => datasetFromNpz(npz({ x: npy("<f4", [2, 3], f), y: npy("<i8", [3], new BigInt64Array(3)) }), [1, 3]))
        .message,
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
