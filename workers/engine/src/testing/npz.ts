import { constants, crc32, deflateRawSync } from "node:zlib";

/** One array of a test .npz: NumPy dtype descriptor ("<f4", "|i1", "<i8", …), shape and raw little-endian data. */
export interface NpyEntry {
  descr: string;
  shape: number[];
  data: ArrayBufferView;
}

/** A .npy file as NumPy writes it (format 1.0, header padded to 64 bytes). */
export function npyOf({ descr, shape, data }: NpyEntry): Buffer {
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

/**
 * A .npz archive as np.savez (stored) or np.savez_compressed (deflated) writes it: local headers, a central
 * directory and its end record, CRC-32 filled in. Entries may be prepared .npy bytes or arrays.
 */
export function npzOf(entries: Record<string, NpyEntry | Buffer>, compress = false): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [key, entry] of Object.entries(entries)) {
    const raw = Buffer.isBuffer(entry) ? entry : npyOf(entry);
    const body = compress ? deflateRawSync(raw) : raw;
    const name = Buffer.from(`${key}.npy`);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(compress ? 8 : 0, 8);
    local.writeUInt32LE(crc32(raw), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(compress ? 8 : 0, 10);
    dir.writeUInt32LE(crc32(raw), 16);
    dir.writeUInt32LE(body.length, 20);
    dir.writeUInt32LE(raw.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(dir, name);
    offset += 30 + name.length + body.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, dirBytes, end]));
}

/**
 * A zip bomb: one deflated entry `<key>.npy` whose .npy header says `shape` of float32 and whose deflate stream
 * holds that header then `zeros` zero bytes, made 1 MiB at a time (about 1 KB compressed per MiB). The zip's
 * headers give the size the .npy header declares, so with `zeros` equal to that size every header is honest, and
 * with more the archive lies. CRC-32 of what the stream really holds.
 */
export function npzBombOf(key: string, shape: number[], zeros: number): Uint8Array {
  const head = npyOf({ descr: "<f4", shape, data: new Uint8Array(0) });
  const declared = head.length + shape.reduce((a, b) => a * b, 4);
  const MiB = 1024 * 1024;
  const block = Buffer.alloc(MiB);
  const full = deflateRawSync(block, { finishFlush: constants.Z_FULL_FLUSH });
  const parts = [deflateRawSync(head, { finishFlush: constants.Z_FULL_FLUSH })];
  let crc = crc32(head);
  for (let left = zeros; left > 0; left -= MiB) {
    const part = block.subarray(0, Math.min(left, MiB));
    parts.push(left >= MiB ? full : deflateRawSync(part, { finishFlush: constants.Z_FULL_FLUSH }));
    crc = crc32(part, crc);
  }
  parts.push(deflateRawSync(Buffer.alloc(0)));
  const body = Buffer.concat(parts);
  const name = Buffer.from(`${key}.npy`);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(name.length, 26);
  const dir = Buffer.alloc(46);
  dir.writeUInt32LE(0x02014b50, 0);
  dir.writeUInt16LE(8, 10);
  dir.writeUInt32LE(crc, 16);
  dir.writeUInt32LE(body.length, 20);
  dir.writeUInt32LE(declared, 24);
  dir.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(30 + name.length + body.length, 16);
  return new Uint8Array(Buffer.concat([local, name, body, dir, name, end]));
}
