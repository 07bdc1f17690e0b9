import { crc32, deflateRawSync } from "node:zlib";

/**
 * A zip archive as NumPy's np.savez, Keras, TensorFlow and PyTorch write them: local headers, the data (stored,
 * or deflated), a central directory and its end record, CRC-32 filled in. The campaign builds its zip seeds
 * (.npz datasets, .keras, SavedModel and PyTorch archives) with it, then damages them.
 */
export function zipOf(entries: readonly (readonly [string, Uint8Array])[], deflate = false): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [path, raw] of entries) {
    const body = deflate ? deflateRawSync(raw) : Buffer.from(raw);
    const name = Buffer.from(path);
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const record = Buffer.alloc(46);
    record.writeUInt32LE(0x02014b50, 0);
    record.writeUInt16LE(20, 4);
    record.writeUInt16LE(20, 6);
    record.writeUInt16LE(deflate ? 8 : 0, 10);
    record.writeUInt32LE(crc, 16);
    record.writeUInt32LE(body.length, 20);
    record.writeUInt32LE(raw.length, 24);
    record.writeUInt16LE(name.length, 28);
    record.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(record, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, directory, end]));
}

/** A .npy file (format 1.0, header padded to 64 bytes) of raw little-endian `data`. */
export function npyOf(descr: string, shape: readonly number[], data: Uint8Array, fortran = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  header += `${" ".repeat(Math.max(0, 63 - ((header.length + 10) % 64)))}\n`;
  const pre = Buffer.alloc(10);
  pre.write("\x93NUMPY", 0, "latin1");
  pre[6] = 1;
  pre.writeUInt16LE(header.length & 0xffff, 8);
  return new Uint8Array(Buffer.concat([pre, Buffer.from(header, "latin1"), Buffer.from(data)]));
}
