import { crc32 } from "node:zlib";

/**
 * Test support: the smallest ONNX model with an absurd attribute, written field by field from onnx.proto's
 * numbers (this package reads models only through the engine's public entry, so it writes this one itself):
 * x [1, 1, 8, 8] → Conv (4 filters, 3×3) with `pads` of `pad` on every side → y. ONNX Runtime overflows on a pad
 * of 2^31; the engine refuses it at import (OVER_LIMITS). `paddedConvDataset` is a dataset for it.
 */

const varint = (value: number | bigint): number[] => {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return out;
};
const bytesOf = (field: number, payload: number[]): number[] => [
  ...varint((field << 3) | 2),
  ...varint(payload.length),
  ...payload,
];
const intOf = (field: number, value: number | bigint): number[] => [...varint(field << 3), ...varint(value)];
const text = (field: number, s: string): number[] => bytesOf(field, [...new TextEncoder().encode(s)]);

/** ValueInfoProto of a float tensor, with its dims when given. */
const floatTensor = (name: string, dims?: number[]): number[] => {
  const shape = dims
    ? bytesOf(
        2,
        dims.flatMap((d) => bytesOf(1, intOf(1, d))),
      )
    : [];
  return [...text(1, name), ...bytesOf(2, bytesOf(1, [...intOf(1, 1), ...shape]))];
};

export function paddedConvOnnx(pad: number): Buffer {
  const ATTRIBUTE_INTS = 7;
  const FLOAT = 1;
  const weights = new Float32Array(36).map((_, i) => (i % 7) / 7 - 0.5);
  const attribute = [
    ...text(1, "pads"),
    ...bytesOf(
      8,
      [pad, pad, pad, pad].flatMap((p) => varint(p)),
    ),
    ...intOf(20, ATTRIBUTE_INTS),
  ];
  const conv = [...text(1, "x"), ...text(1, "w"), ...text(2, "y"), ...text(3, "conv"), ...text(4, "Conv")];
  const initializer = [
    ...bytesOf(
      1,
      [4, 1, 3, 3].flatMap((d) => varint(d)),
    ),
    ...intOf(2, FLOAT),
    ...text(8, "w"),
    ...bytesOf(9, [...new Uint8Array(weights.buffer)]),
  ];
  const graph = [
    ...bytesOf(1, [...conv, ...bytesOf(5, attribute)]),
    ...text(2, "padded"),
    ...bytesOf(5, initializer),
    ...bytesOf(11, floatTensor("x", [1, 1, 8, 8])),
    ...bytesOf(12, floatTensor("y")),
  ];
  return Buffer.from([...intOf(1, 8), ...bytesOf(8, intOf(2, 13)), ...bytesOf(7, graph)]);
}

/** An .npz (stored zip, as np.savez writes it) with `x`: four float32 samples of [1, 8, 8], for that model. */
export function paddedConvDataset(): Buffer {
  let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 1, 8, 8), }";
  header += `${" ".repeat(63 - ((header.length + 10) % 64))}\n`;
  const npy = Buffer.concat([
    Buffer.from([0x93, ...Buffer.from("NUMPY"), 1, 0, header.length & 0xff, header.length >> 8]),
    Buffer.from(header, "latin1"),
    Buffer.from(new Float32Array(256).map((_, i) => Math.sin(i)).buffer),
  ]);
  const name = Buffer.from("x.npy");
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc32(npy), 14);
  local.writeUInt32LE(npy.length, 18);
  local.writeUInt32LE(npy.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc32(npy), 16);
  central.writeUInt32LE(npy.length, 20);
  central.writeUInt32LE(npy.length, 24);
  central.writeUInt16LE(name.length, 28);
  const directoryAt = local.length + name.length + npy.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(directoryAt, 16);
  return Buffer.concat([local, name, npy, central, name, end]);
}
