import type { ByteInput } from "./byte-input.js";
import { invalid, parseCentralRecord, SIGNATURES, view, type ZipEntryRecord } from "./zip-records.js";

/** An entry as the forward reading saw it: its local header's offset, and its sizes and CRC-32 as measured. */
export type SeenEntry = ZipEntryRecord & { offset: number };

/** More than the central directory and end records of any .npz of at most MAX_NPZ_ENTRIES entries. */
const MAX_DIRECTORY_BYTES = 4 * 1024 * 1024;
const END_RECORD_BYTES = 22;
const ZIP64_LOCATOR_BYTES = 20;

/**
 * The archive's index must agree with what was read front to back: every central directory record names an entry
 * seen, in order, at its offset, with its method, sizes and CRC-32, and the end records count them and point at
 * the directory. A reader that trusted the directory (NumPy's, for one) would otherwise see other arrays than the
 * ones checked. Nothing may follow the end record's comment.
 */
export async function checkDirectory(input: ByteInput, seen: SeenEntry[]): Promise<void> {
  const start = input.position;
  const held = await input.fill(MAX_DIRECTORY_BYTES + 1);
  if (held > MAX_DIRECTORY_BYTES) invalid("its central directory is larger than any .npz needs");
  const bytes = (await input.take(held)) as Uint8Array;
  let at = 0;
  for (const entry of seen) {
    const { record, length } = parseCentralRecord(bytes, at);
    const agrees =
      record.name === entry.name &&
      record.offset === entry.offset &&
      record.method === entry.method &&
      record.crc32 === entry.crc32 &&
      record.compressedBytes === entry.compressedBytes &&
      record.inflatedBytes === entry.inflatedBytes;
    if (!agrees) invalid(`the central directory's record of ${record.name} disagrees with the entry ${entry.name}`);
    at += length;
  }
  const v = view(bytes);
  if (at + 4 <= bytes.length && v.getUint32(at, true) === SIGNATURES.central) {
    invalid(`the central directory lists more entries than the ${seen.length} the archive holds`);
  }
  const directoryBytes = at;
  let counted: number | null = null;
  if (at + 4 <= bytes.length && v.getUint32(at, true) === SIGNATURES.zip64End) {
    if (at + 56 > bytes.length) invalid("the Zip64 end record is truncated");
    const length = 12 + Number(v.getBigUint64(at + 4, true));
    counted = Number(v.getBigUint64(at + 32, true));
    const offset = Number(v.getBigUint64(at + 48, true));
    if (offset !== start) invalid("the Zip64 end record points elsewhere than the central directory");
    at += length;
    if (at + ZIP64_LOCATOR_BYTES > bytes.length || v.getUint32(at, true) !== SIGNATURES.zip64Locator) {
      invalid("the Zip64 end record has no locator");
    }
    at += ZIP64_LOCATOR_BYTES;
  }
  if (at + END_RECORD_BYTES > bytes.length || v.getUint32(at, true) !== SIGNATURES.end) {
    invalid("no end of central directory record follows the central directory");
  }
  const total = v.getUint16(at + 10, true);
  const size = v.getUint32(at + 12, true);
  const offset = v.getUint32(at + 16, true);
  if ((total !== 0xffff || counted === null ? total : counted) !== seen.length) {
    invalid(`the end record counts ${total} entries, the archive holds ${seen.length}`);
  }
  if ((size !== 0xffffffff && size !== directoryBytes) || (offset !== 0xffffffff && offset !== start)) {
    invalid("the end record points elsewhere than the central directory");
  }
  const commentBytes = v.getUint16(at + 20, true);
  if (at + END_RECORD_BYTES + commentBytes !== bytes.length) invalid("bytes follow the end of the archive");
}
