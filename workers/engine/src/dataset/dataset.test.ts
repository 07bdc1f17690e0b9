import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { generated } from "../testing/fixtures.js";
import { npyOf, npzBombOf, npzOf } from "../testing/npz.js";
import { datasetFromNpz, sampleOf } from "./dataset.js";
import { parseNpz } from "./npz.js";

const run = promisify(execFile);

const failure = async (fn: () => Promise<unknown>): Promise<EngineError> => {
  try {
    await fn();
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error("expected an EngineError");
};

describe("datasetFromNpz", () => {
  it("reads the KWS EEMBC inputs written by NumPy, with labels", async () => {
    const d = await datasetFromNpz(generated("kws_eembc.npz"), [1, 49, 10, 1]);
    expect(d.count).toBe(1000);
    expect(d.x.length).toBe(1000 * 490);
    expect(d.labels?.length).toBe(1000);
    expect(Math.max(...(d.labels ?? []))).toBe(11);
    // Dequantized int8 inputs: multiples of the input scale around the zero point.
    const scale = 0.5847029089927673;
    const first = sampleOf(d, 0);
    expect(Math.abs((first[0] as number) / scale - Math.round((first[0] as number) / scale))).toBeLessThan(1e-3);
  });

  it("reads float targets as values and compressed archives", async () => {
    const x = new Float32Array([0, 1, 2]);
    const y = new Float32Array([0, 0.84, 0.91]);
    const d = await datasetFromNpz(
      npzOf(
        { x: npyOf({ descr: "<f4", shape: [3, 1], data: x }), y: npyOf({ descr: "<f4", shape: [3], data: y }) },
        true,
      ),
      [1, 1],
    );
    expect(Array.from(d.values ?? [])).toEqual(Array.from(y));
    expect(d.labels).toBeUndefined();
  });

  it("accepts x with the batch dimension of 1 kept, and float64", async () => {
    const x = new Float64Array(2 * 3).fill(0.5);
    const d = await datasetFromNpz(npzOf({ x: npyOf({ descr: "<f8", shape: [2, 1, 3], data: x }) }), [1, 3]);
    expect(d.count).toBe(2);
    expect(d.x).toBeInstanceOf(Float32Array);
  });

  it("names what was expected: missing x, wrong shape, wrong dtype, wrong label count", async () => {
    const f = new Float32Array(6);
    const message = async (npz: Uint8Array) => (await failure(() => datasetFromNpz(npz, [1, 3]))).message;
    expect(await message(npzOf({ inputs: npyOf({ descr: "<f4", shape: [2, 3], data: f }) }))).toMatch(
      /no array "x": expected x of shape \(N, 3\) and dtype float32; it holds "inputs"/,
    );
    expect(await message(npzOf({ x: npyOf({ descr: "<f4", shape: [3, 2], data: f }) }))).toMatch(
      /x has shape \(3, 2\): expected x of shape \(N, 3\).*model's input being \(1, 3\)/,
    );
    expect(await message(npzOf({ x: npyOf({ descr: "|i1", shape: [2, 3], data: new Int8Array(6) }) }))).toMatch(
      /x has dtype int8/,
    );
    expect(
      await message(
        npzOf({
          x: npyOf({ descr: "<f4", shape: [2, 3], data: f }),
          y: npyOf({ descr: "<i8", shape: [3], data: new BigInt64Array(3) }),
        }),
      ),
    ).toMatch(/y has shape \(3\): expected 2 entries/);
    expect((await failure(() => datasetFromNpz(Buffer.from("not a zip"), [1, 3]))).code).toBe("INVALID_DATASET");
  });

  it("refuses truncated archives with INVALID_DATASET", async () => {
    const bytes = generated("hello_world.npz");
    for (const cut of [10, 100, bytes.length / 2, bytes.length - 30]) {
      const truncated = bytes.subarray(0, Math.floor(cut));
      expect((await failure(() => datasetFromNpz(truncated, [1, 1]))).code).toBe("INVALID_DATASET");
    }
  });

  it("reads an archive written with data descriptors (Python's zipfile streaming to a pipe)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "npz-"));
    try {
      const x = new Float32Array([0.5, -1, 2, 4]);
      await writeFile(join(dir, "x.npy"), npyOf({ descr: "<f4", shape: [2, 2], data: x }));
      // Written to stdout, a pipe zipfile cannot seek back on: it puts each size in a data descriptor.
      const script =
        "import sys, zipfile\n" +
        "with zipfile.ZipFile(sys.stdout.buffer, 'w', zipfile.ZIP_DEFLATED) as z: z.write(sys.argv[1], 'x.npy')\n";
      const { stdout } = await run("python3", ["-c", script, join(dir, "x.npy")], { encoding: "buffer" });
      expect(stdout.readUInt16LE(6) & 0x08).toBe(0x08); // the first entry's flags: sizes in a data descriptor
      expect(Array.from((await parseNpz(stdout)).get("x")?.data as Float32Array)).toEqual(Array.from(x));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses an archive whose array bytes no longer match their CRC-32", async () => {
    const npz = npzOf({ x: npyOf({ descr: "<f4", shape: [100, 1], data: new Float32Array(100) }) });
    npz[300] = (npz[300] as number) ^ 0xff; // inside x's data: 30 + 5 bytes of local header, 128 of .npy header
    expect((await failure(() => datasetFromNpz(npz, [1, 1]))).message).toMatch(
      /x\.npy.s data does not match its CRC-32/,
    );
  });
});

describe("datasets that inflate beyond their limit (zip bombs)", () => {
  const GiB = 1024 ** 3;
  const limit = { maxInflatedBytes: 100_000_000 };
  /** The largest arrayBuffers figure seen while `work` runs, over what it was before. */
  async function peakArrayBuffers(work: () => Promise<unknown>): Promise<number> {
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 1);
    try {
      await work();
    } finally {
      clearInterval(timer);
    }
    return Math.max(peak, process.memoryUsage().arrayBuffers) - before;
  }

  it("refuses a 1 MiB archive whose x (shaped as the model's input) inflates to 1 GiB, from its header, at once", async () => {
    const samples = Math.ceil(GiB / (490 * 4));
    const bomb = npzBombOf("x", [samples, 49, 10, 1], samples * 490 * 4);
    expect(bomb.length).toBeLessThan(1.5 * 1024 * 1024);
    const started = performance.now();
    let error: EngineError | null = null;
    const grown = await peakArrayBuffers(async () => {
      error = await failure(() => datasetFromNpz(bomb, [1, 49, 10, 1], limit));
    });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(grown).toBeLessThan(32 * 1024 * 1024);
    expect((error as EngineError | null)?.code).toBe("INVALID_DATASET");
    expect((error as EngineError | null)?.message).toMatch(
      /more than 100 MB once decompressed: x\.npy declares shape \(547828, 49, 10, 1\) of float32, 1073\.7 MB/,
    );
  });

  it("refuses an archive whose x says 490 floats but inflates to 1 GiB, at the excess, in bounded memory", async () => {
    const lying = npzBombOf("x", [1, 49, 10, 1], GiB);
    let error: EngineError | null = null;
    const grown = await peakArrayBuffers(async () => {
      error = await failure(() => parseNpz(lying, limit));
    });
    expect(grown).toBeLessThan(32 * 1024 * 1024);
    expect((error as EngineError | null)?.message).toMatch(
      /x\.npy inflates to more than the 2088 bytes its \.npy header declares/,
    );
  });
});
