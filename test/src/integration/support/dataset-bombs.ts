import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { constants, crc32, deflateRawSync } from "node:zlib";
import { REPO_ROOT } from "../../services/launch.js";

/**
 * Dataset zip bombs for the abuse tests: a 1 MiB .npz whose x.npy inflates to 1 GiB, shaped as the KWS model's input
 * (N × 49 × 10 × 1 float32), once with every header honest (written by Python's zipfile and NumPy, an independent
 * writer) and once with every header understating it (crafted here: the .npy header, the local header and the
 * central directory all say one sample, the deflate stream holds 1 GiB).
 */

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** Samples of the KWS input (1960 bytes each) in 1 GiB. */
const BOMB_SAMPLES = Math.ceil(GiB / 1960);

/** The honest bomb, written into `dir` by Python; returns its bytes (about 1 MiB). */
export async function honestDatasetBomb(dir: string): Promise<Buffer> {
  const path = join(dir, "bomb.npz");
  const script =
    "import sys, zipfile, numpy.lib.format as f\n" +
    `n = ${BOMB_SAMPLES}\n` +
    "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z, z.open('x.npy', 'w', force_zip64=True) as e:\n" +
    "  f.write_array_header_1_0(e, {'descr': '<f4', 'fortran_order': False, 'shape': (n, 49, 10, 1)})\n" +
    "  for _ in range(n * 1960 // 2**20): e.write(bytes(2**20))\n" +
    "  e.write(bytes(n * 1960 % 2**20))\n";
  await promisify(execFile)(join(REPO_ROOT, ".venv/bin/python"), ["-c", script, path]);
  return readFile(path);
}

/** A .npy header as NumPy writes it (format 1.0, padded to 64 bytes). */
function npyHeader(shape: number[]): Buffer {
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}), }`;
  dict += `${" ".repeat(63 - ((dict.length + 10) % 64))}\n`;
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length & 0xff, dict.length >> 8]);
  return Buffer.concat([prefix, Buffer.from(dict, "latin1")]);
}

/** The lying bomb: one sample declared everywhere (2088 bytes inflated), 1 GiB of zeros in the deflate stream. */
export function lyingDatasetBomb(): Buffer {
  const head = npyHeader([1, 49, 10, 1]);
  const declared = head.length + 1960;
  const zeros = Buffer.alloc(MiB);
  const full = deflateRawSync(zeros, { finishFlush: constants.Z_FULL_FLUSH });
  const parts = [deflateRawSync(head, { finishFlush: constants.Z_FULL_FLUSH })];
  for (let i = 0; i < GiB / MiB; i++) parts.push(full);
  parts.push(deflateRawSync(Buffer.alloc(0)));
  const body = Buffer.concat(parts);
  const crc = crc32(Buffer.concat([head, Buffer.alloc(1960)])); // what a one-sample x would have
  const name = Buffer.from("x.npy");
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(name.length, 26);
  const record = Buffer.alloc(46);
  record.writeUInt32LE(0x02014b50, 0);
  record.writeUInt16LE(8, 10);
  record.writeUInt32LE(crc, 16);
  record.writeUInt32LE(body.length, 20);
  record.writeUInt32LE(declared, 24);
  record.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(record.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + body.length, 16);
  return Buffer.concat([local, name, body, record, name, end]);
}

/** The resident memory of process `pid` in bytes (Linux), sampled every `everyMs` until `stop()`: its peak. */
export function sampleResidentMemory(pid: number, everyMs = 20): { peak: () => number; stop: () => number } {
  let peak = 0;
  const read = async () => {
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    const kb = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0);
    peak = Math.max(peak, kb * 1024);
  };
  void read();
  const timer = setInterval(() => void read(), everyMs);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}
