import { DatasetRefusal } from "./dataset-refusal.js";

/**
 * The zip records an .npz is made of (PKWARE APPNOTE 4.3): local file headers before each entry's data, data
 * descriptors after data written by a streaming writer, the central directory, the Zip64 end records and the
 * end of central directory record. Only what a reader must check is decoded.
 */

export const SIGNATURES = Object.freeze({
  local: 0x04034b50,
  descriptor: 0x08074b50,
  central: 0x02014b50,
  zip64End: 0x06064b50,
  zip64Locator: 0x07064b50,
  end: 0x06054b50,
});

/** What a local header or a central directory record says of one entry. */
export interface ZipEntryRecord {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  /** `null` when the sizes are left for a data descriptor (flag bit 3, zeros in the local header). */
  compressedBytes: number | null;
  inflatedBytes: number | null;
  /** Whether a Zip64 extra field carried the sizes (a data descriptor then has 8-byte sizes). */
  zip64: boolean;
}

export const LOCAL_HEADER_BYTES = 30;
const CENTRAL_RECORD_BYTES = 46;
export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const ZIP64_EXTRA = 0x0001;
const MAX32 = 0xffffffff;

export const invalid = (why: string): never => {
  throw new DatasetRefusal("invalid", `the dataset is not a valid .npz file: ${why}`);
};

export const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const u64 = (v: DataView, at: number): number => {
  const n = Number(v.getBigUint64(at, true));
  if (!Number.isSafeInteger(n)) invalid("a Zip64 size or offset is beyond 2^53");
  return n;
};

/** The Zip64 extra field's values (each 8 bytes, in APPNOTE's order, only for the fields that are 0xFFFFFFFF). */
function zip64Values(extra: Uint8Array, count: number): number[] | null {
  const v = view(extra);
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = v.getUint16(at, true);
    const size = v.getUint16(at + 2, true);
    if (at + 4 + size > extra.length) invalid("an extra field runs past its header");
    if (id === ZIP64_EXTRA) {
      if (size < count * 8) invalid("a Zip64 extra field is shorter than the sizes it must carry");
      return Array.from({ length: count }, (_, i) => u64(v, at + 4 + i * 8));
    }
    at += 4 + size;
  }
  return null;
}

const decodeName = (bytes: Uint8Array, flags: number): string =>
  new TextDecoder(flags & FLAG_UTF8 ? "utf-8" : "latin1").decode(bytes);

/** The fixed part of a local header: the lengths of the name and extra field that follow it. */
export function localHeaderLengths(fixed: Uint8Array): { nameBytes: number; extraBytes: number } {
  const v = view(fixed);
  return { nameBytes: v.getUint16(26, true), extraBytes: v.getUint16(28, true) };
}

/** Decodes a local header from its fixed part, name and extra field. */
export function parseLocalHeader(fixed: Uint8Array, name: Uint8Array, extra: Uint8Array): ZipEntryRecord {
  const v = view(fixed);
  const flags = v.getUint16(6, true);
  let compressed = v.getUint32(18, true);
  let inflated = v.getUint32(22, true);
  const wide = compressed === MAX32 || inflated === MAX32 ? zip64Values(extra, 2) : null;
  const zip64 = wide !== null || zip64Values(extra, 0) !== null;
  if (compressed === MAX32 || inflated === MAX32) {
    if (!wide) invalid("a local header's sizes are 0xFFFFFFFF without a Zip64 extra field");
    [inflated, compressed] = wide as [number, number];
  }
  const deferred = (flags & FLAG_DATA_DESCRIPTOR) !== 0 && compressed === 0 && inflated === 0;
  return {
    name: decodeName(name, flags),
    flags,
    method: v.getUint16(8, true),
    crc32: v.getUint32(14, true),
    compressedBytes: deferred ? null : compressed,
    inflatedBytes: deferred ? null : inflated,
    zip64,
  };
}

/** One record of the central directory, and its length in bytes. */
export function parseCentralRecord(
  bytes: Uint8Array,
  at: number,
): { record: ZipEntryRecord & { offset: number }; length: number } {
  if (at + CENTRAL_RECORD_BYTES > bytes.length) invalid("the central directory is truncated");
  const v = view(bytes.subarray(at));
  if (v.getUint32(0, true) !== SIGNATURES.central) invalid("a central directory record has no signature");
  const nameBytes = v.getUint16(28, true);
  const extraBytes = v.getUint16(30, true);
  const commentBytes = v.getUint16(32, true);
  const length = CENTRAL_RECORD_BYTES + nameBytes + extraBytes + commentBytes;
  if (at + length > bytes.length) invalid("the central directory is truncated");
  const flags = v.getUint16(8, true);
  const name = bytes.subarray(at + CENTRAL_RECORD_BYTES, at + CENTRAL_RECORD_BYTES + nameBytes);
  const extra = bytes.subarray(
    at + CENTRAL_RECORD_BYTES + nameBytes,
    at + CENTRAL_RECORD_BYTES + nameBytes + extraBytes,
  );
  let inflated = v.getUint32(24, true);
  let compressed = v.getUint32(20, true);
  let offset = v.getUint32(42, true);
  const wideCount = [inflated, compressed, offset].filter((n) => n === MAX32).length;
  const wide = wideCount ? zip64Values(extra, wideCount) : [];
  if (!wide) invalid("a central directory record's 0xFFFFFFFF fields have no Zip64 extra field");
  const next = () => (wide as number[]).shift() as number;
  if (inflated === MAX32) inflated = next();
  if (compressed === MAX32) compressed = next();
  if (offset === MAX32) offset = next();
  const record = {
    name: decodeName(name, flags),
    flags,
    method: v.getUint16(10, true),
    crc32: v.getUint32(16, true),
    compressedBytes: compressed,
    inflatedBytes: inflated,
    zip64: wideCount > 0,
    offset,
  };
  return { record, length };
}
