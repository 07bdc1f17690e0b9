import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, crc32, deflateRawSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { DatasetRefusal } from "./dataset-refusal.js";
import type { NpzReadMode } from "./entry-sink.js";
import { type NpzContents, readNpz } from "./npz-reader.js";

/**
 * The .npz reader on archives written by NumPy and Python's zipfile (independent writers), and on archives crafted
 * byte by byte to lie: zip bombs whose headers are honest, whose .npy header understates the data, whose local
 * header disagrees, whose central directory names other entries.
 */

const PYTHON = fileURLToPath(new URL("../../../.venv/bin/python", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "npz-reader-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Runs Python (NumPy's, from the project's .venv) on `script` with the output path as argv[1]; returns the file. */
function python(name: string, script: string): Buffer {
  const out = join(work, name);
  execFileSync(PYTHON, ["-c", script, out]);
  return readFileSync(out);
}

/** A .npy file's bytes as NumPy writes them (format 1.0, header padded to 64 bytes), data zeros unless given. */
function npy(descr: string, shape: number[], data: Uint8Array = new Uint8Array(0), fortran = false): Uint8Array {
  const tuple = `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': ${tuple}, }`;
  dict += `${" ".repeat(63 - ((dict.length + 10) % 64))}\n`;
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length & 0xff, dict.length >> 8]);
  return Buffer.concat([prefix, Buffer.from(dict, "latin1"), data]);
}

/** A raw deflate stream of `head` then `zeros` zero bytes, made 1 MiB at a time (a bomb: ~1 KB per MiB). */
function deflatedZeros(head: Uint8Array, zeros: number): { body: Buffer; crc: number } {
  const block = Buffer.alloc(MiB);
  const flushed = deflateRawSync(block, { finishFlush: constants.Z_FULL_FLUSH });
  const parts = [deflateRawSync(head, { finishFlush: constants.Z_FULL_FLUSH })];
  let crc = crc32(head);
  for (let left = zeros; left > 0; left -= MiB) {
    parts.push(
      left >= MiB ? flushed : deflateRawSync(block.subarray(0, left), { finishFlush: constants.Z_FULL_FLUSH }),
    );
    crc = crc32(block.subarray(0, Math.min(left, MiB)), crc);
  }
  parts.push(deflateRawSync(Buffer.alloc(0)));
  return { body: Buffer.concat(parts), crc };
}

interface Crafted {
  name: string;
  /** The bytes as stored (compressed when `deflated`). */
  body: Uint8Array;
  deflated: boolean;
  /** What the headers say: the inflated size and CRC-32. */
  size: number;
  crc: number;
}

const stored = (name: string, bytes: Uint8Array): Crafted => ({
  name,
  body: bytes,
  deflated: false,
  size: bytes.length,
  crc: crc32(bytes),
});
const deflated = (name: string, bytes: Uint8Array): Crafted => ({
  name,
  body: deflateRawSync(bytes),
  deflated: true,
  size: bytes.length,
  crc: crc32(bytes),
});

/** A zip of the crafted entries: local headers, data, central directory (its names may be overridden), end record. */
function zipOf(entries: Crafted[], directoryNames: string[] = entries.map((e) => e.name)): Uint8Array {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.deflated ? 8 : 0, 8);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.body.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const dirName = Buffer.from(directoryNames[i] ?? e.name);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(e.deflated ? 8 : 0, 10);
    record.writeUInt32LE(e.crc, 16);
    record.writeUInt32LE(e.body.length, 20);
    record.writeUInt32LE(e.size, 24);
    record.writeUInt16LE(dirName.length, 28);
    record.writeUInt32LE(offset, 42);
    parts.push(local, name, Buffer.from(e.body));
    directory.push(record, dirName);
    offset += 30 + name.length + e.body.length;
  });
  const dir = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, dir, end]));
}

const read = (bytes: Uint8Array, mode: NpzReadMode = "keep", maxInflatedBytes = 100 * MiB) =>
  readNpz(bytes, { mode, maxInflatedBytes });

async function refusal(work: Promise<unknown>): Promise<DatasetRefusal> {
  const e = await work.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof DatasetRefusal)) throw new Error(`expected a DatasetRefusal, got ${String(e)}`);
  return e;
}

/** The same archive in pieces of `size` bytes, as an upload streams in. */
async function* inPieces(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const floats = (c: NpzContents, key: string) => {
  const data = c.arrays.find((a) => a.key === key)?.data as Uint8Array;
  return Array.from(new Float32Array(data.buffer, data.byteOffset, data.length / 4));
};

describe("readNpz on archives written by NumPy and Python's zipfile", () => {
  const savez = (fn: string) =>
    python(
      `${fn}.npz`,
      `import sys, numpy as np\nnp.${fn}(sys.argv[1], x=np.arange(12, dtype=np.float32).reshape(3, 4), y=np.array([0, 1, 2]))\n`,
    );

  it.each(["savez", "savez_compressed"])("reads numpy.%s: arrays, shapes, dtypes and inflated size", async (fn) => {
    const bytes = savez(fn);
    for (const mode of ["headers", "verify", "keep"] as const) {
      const c = await read(bytes, mode);
      expect(c.arrays.map((a) => [a.key, a.header.dtype, a.header.shape])).toEqual([
        ["x", "float32", [3, 4]],
        ["y", "int64", [3]],
      ]);
      expect(c.inflatedBytes).toBe(2 * 128 + 48 + 24);
      expect(c.arrays[0]?.data === null).toBe(mode !== "keep");
    }
    expect(floats(await read(bytes), "x")).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it("reads the same archive streamed in pieces of 1, 7 and 4096 bytes", async () => {
    const bytes = savez("savez_compressed");
    for (const size of [1, 7, 4096]) {
      expect(floats(await readNpz(inPieces(bytes, size), { mode: "keep", maxInflatedBytes: MiB }), "x")).toEqual(
        Array.from({ length: 12 }, (_, i) => i),
      );
    }
  });

  it.each([
    ["ZIP_STORED", "stored"],
    ["ZIP_DEFLATED", "deflated"],
  ])("reads entries whose sizes follow their data (zipfile to a pipe, %s)", async (method) => {
    const script =
      "import io, sys, zipfile, numpy as np\n" +
      "b = io.BytesIO(); np.save(b, np.arange(6, dtype=np.float32))\n" +
      "class Pipe(io.RawIOBase):\n  def __init__(s, f): s.f = f\n  def writable(s): return True\n" +
      "  def write(s, d): return s.f.write(d)\n" +
      `with open(sys.argv[1], 'wb') as f, zipfile.ZipFile(Pipe(f), 'w', zipfile.${method}) as z:\n` +
      "  with z.open('x.npy', 'w', force_zip64=True) as e: e.write(b.getvalue())\n" +
      "  z.writestr('y.npy', b.getvalue())\n";
    const bytes = python(`pipe-${method}.npz`, script);
    expect(bytes.readUInt16LE(6) & 0x08).toBe(0x08); // sizes in a data descriptor
    for (const mode of ["headers", "keep"] as const) {
      const c = await read(bytes, mode);
      expect(c.arrays.map((a) => a.key)).toEqual(["x", "y"]);
    }
    expect(floats(await read(bytes), "y")).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe("readNpz refuses bombs before or while inflating", () => {
  it("an honest 1 GiB bomb (1 MiB compressed, every header true): too-large from its .npy header, nothing inflated", async () => {
    const head = npy("<f4", [GiB / 4]);
    const { body, crc } = deflatedZeros(head, GiB);
    expect(body.length).toBeLessThan(1.5 * MiB);
    const bomb = zipOf([{ name: "x.npy", body, deflated: true, size: head.length + GiB, crc }]);
    for (const mode of ["headers", "verify", "keep"] as const) {
      const before = process.memoryUsage().arrayBuffers;
      const started = performance.now();
      const e = await refusal(read(bomb, mode));
      expect(e.kind).toBe("too-large");
      expect(e.message).toMatch(
        /more than 104\.9 MB once decompressed: x\.npy declares shape \(268435456\) of float32/,
      );
      expect(performance.now() - started).toBeLessThan(1000);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * MiB);
    }
  });

  it("a bomb whose .npy and zip headers understate it (40 bytes declared, 1 GiB inflated): refused at the excess", async () => {
    const head = npy("<f4", [10]);
    const { body, crc } = deflatedZeros(head, GiB);
    const lying = zipOf([{ name: "x.npy", body, deflated: true, size: head.length + 40, crc }]);
    let peak = 0;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 1);
    try {
      for (const mode of ["verify", "keep"] as const) {
        const e = await refusal(read(lying, mode));
        expect(e.kind).toBe("invalid");
        expect(e.message).toMatch(/x\.npy inflates to more than the 168 bytes its \.npy header declares/);
      }
    } finally {
      clearInterval(timer);
    }
    expect(peak).toBeLessThan(64 * MiB);
  });

  it("arrays that together pass the limit: too-large at the array that passes it", async () => {
    const x = npy("<f4", [1000], new Uint8Array(4000));
    const e = await refusal(read(zipOf([stored("x.npy", x), stored("y.npy", x)]), "headers", 6000));
    expect(e.kind).toBe("too-large");
    expect(e.message).toMatch(/y\.npy declares shape \(1000\) of float32, 4 KB, after 4\.1 KB of arrays before it/);
  });

  it("a .npy header whose shape overflows (2^62 elements) is too large, not wrapped to a small size", async () => {
    const head = npy("<f8", [2 ** 31, 2 ** 31]);
    const e = await refusal(read(zipOf([deflated("x.npy", head)]), "headers"));
    expect(e.kind).toBe("too-large");
  });
});

describe("readNpz refuses archives that are not what they claim", () => {
  const x = npy("<f4", [2], new Uint8Array(8));

  it.each([
    ["<U5", /dtype <U5 is not supported/],
    ["|O", /dtype \|O is not supported/],
    [">f4", /dtype >f4 is not supported/],
  ])("dtype %s", async (descr, message) => {
    const e = await refusal(read(zipOf([stored("x.npy", npy(descr, [2], new Uint8Array(8)))]), "headers"));
    expect(e.kind).toBe("invalid");
    expect(e.message).toMatch(message);
  });

  it("Fortran order, a missing magic, a header longer than 64 KiB", async () => {
    const fortran = npy("<f4", [2, 2], new Uint8Array(16), true);
    expect((await refusal(read(zipOf([stored("x.npy", fortran)])))).message).toMatch(/Fortran-ordered/);
    const notNpy = new TextEncoder().encode("just text, no array");
    expect((await refusal(read(zipOf([stored("x.npy", notNpy)])))).message).toMatch(/missing the \\x93NUMPY magic/);
    const long = Buffer.from(npy("<f4", [2]));
    long[6] = 2;
    const v2 = Buffer.concat([long.subarray(0, 8), Buffer.from([0, 0, 2, 0]), long.subarray(10)]);
    expect((await refusal(read(zipOf([stored("x.npy", v2)])))).message).toMatch(/header declares 131072 bytes/);
  });

  it("a local header whose size disagrees with the .npy header", async () => {
    const e = await refusal(read(zipOf([{ ...deflated("x.npy", x), size: 5000 }]), "headers"));
    expect(e.message).toMatch(/x\.npy's local header says 5000 bytes, its \.npy header 136/);
  });

  it("a central directory that names other entries than the archive holds", async () => {
    const e = await refusal(read(zipOf([stored("x.npy", x), stored("y.npy", x)], ["x.npy", "z.npy"])));
    expect(e.message).toMatch(/central directory's record of z\.npy disagrees with the entry y\.npy/);
  });

  it("an entry that is no .npy array, an encrypted-looking or unknown method, an empty zip, no zip", async () => {
    expect((await refusal(read(zipOf([stored("notes.txt", x)])))).message).toMatch(/"notes\.txt", which is no \.npy/);
    expect((await refusal(read(zipOf([])))).message).toMatch(/an empty zip archive/);
    expect((await refusal(read(new TextEncoder().encode("hello")))).message).toMatch(/not a zip archive/);
    const bzip = zipOf([stored("x.npy", x)]);
    bzip[8] = 12; // method 12 (bzip2) in the local header
    expect((await refusal(read(bzip))).message).toMatch(/compressed with method 12/);
  });

  it("damaged data: a CRC-32 mismatch when the data is read, a truncated archive at any cut", async () => {
    const bytes = zipOf([deflated("x.npy", npy("<f4", [100], new Uint8Array(400).fill(7)))]);
    const crc = Buffer.from(bytes);
    crc.writeUInt32LE(0x12345678, 14);
    expect((await refusal(read(crc, "verify"))).message).toMatch(/x\.npy's data does not match its CRC-32/);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      expect((await refusal(read(bytes.subarray(0, cut)))).kind).toBe("invalid");
    }
  });

  it("bytes after the end record", async () => {
    const bytes = Buffer.concat([zipOf([stored("x.npy", x)]), Buffer.from("junk")]);
    expect((await refusal(read(bytes))).message).toMatch(/bytes follow the end of the archive/);
  });
});
