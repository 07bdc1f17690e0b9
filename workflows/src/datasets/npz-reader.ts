import { ByteInput } from "./byte-input.js";
import { readEntryData } from "./entry-data.js";
import { EntrySink, type NpzReadMode } from "./entry-sink.js";
import type { NpyHeader } from "./npy-header.js";
import { checkDirectory, type SeenEntry } from "./zip-directory.js";
import {
  FLAG_DATA_DESCRIPTOR,
  FLAG_ENCRYPTED,
  invalid,
  LOCAL_HEADER_BYTES,
  localHeaderLengths,
  parseLocalHeader,
  SIGNATURES,
  view,
  type ZipEntryRecord,
} from "./zip-records.js";

export interface NpzReadOptions {
  /** The most bytes the arrays may take once inflated, .npy headers included (a tier's `maxDatasetInflatedBytes`). */
  maxInflatedBytes: number;
  mode: NpzReadMode;
}

/** One array of the archive: its key (the entry's name without `.npy`), header and, in `keep` mode, its data. */
export interface NpzArray {
  key: string;
  header: NpyHeader;
  data: Uint8Array | null;
}

export interface NpzContents {
  arrays: NpzArray[];
  /** The arrays' bytes once inflated (their .npy headers included), as the headers declare them. */
  inflatedBytes: number;
}

/** More entries than any dataset has (x, y, a few extras): an archive of thousands of tiny entries is refused. */
export const MAX_NPZ_ENTRIES = 256;

/**
 * Reads a NumPy .npz archive (numpy.savez or savez_compressed: a zip of `<key>.npy` arrays) front to back, as its
 * bytes arrive, in one pass that holds at most one piece of input and one array's data:
 * 1. each local header is read, and only stored or deflated `.npy` entries are accepted;
 * 2. each entry's .npy header is inflated first and its declared size (shape × dtype) checked against the bytes
 *    still allowed BEFORE the data is inflated; the inflation is then bounded by that size, chunk by chunk, so a
 *    deflate stream that holds more than its header says is refused as the excess arrives;
 * 3. the central directory and end records must list exactly the entries seen, at the offsets, sizes and CRC-32s
 *    seen, and nothing may follow them.
 * Refusals are `DatasetRefusal`s (`too-large` past `maxInflatedBytes`, `invalid` otherwise) saying what is wrong.
 */
export async function readNpz(
  source: AsyncIterable<Uint8Array> | Uint8Array,
  options: NpzReadOptions,
): Promise<NpzContents> {
  const input = new ByteInput(source);
  const seen: SeenEntry[] = [];
  const arrays: NpzArray[] = [];
  let inflatedBytes = 0;
  for (;;) {
    const offset = input.position;
    const signature = await input.peek(4);
    if (signature.length < 4) invalid(seen.length ? "the archive ends before its central directory" : "an empty file");
    const kind = view(signature).getUint32(0, true);
    if (kind !== SIGNATURES.local) {
      if (seen.length === 0) invalid(kind === SIGNATURES.end ? "an empty zip archive" : "not a zip archive");
      break;
    }
    if (seen.length === MAX_NPZ_ENTRIES) invalid(`more than ${MAX_NPZ_ENTRIES} entries`);
    const entry = await readLocalHeader(input);
    const sink = new EntrySink(
      entry.name,
      options.mode,
      options.maxInflatedBytes - inflatedBytes,
      options.maxInflatedBytes,
      entry.inflatedBytes,
    );
    const data = await readEntryData(input, entry, sink);
    sink.finish(data.whole);
    const header = sink.header as NpyHeader;
    const expected = header.headerBytes + header.dataBytes;
    const record = { ...entry, compressedBytes: data.compressedBytes, inflatedBytes: expected };
    if (entry.flags & FLAG_DATA_DESCRIPTOR) await readDescriptor(input, record, sink.crc, data.whole);
    else if (data.whole && sink.crc !== entry.crc32) invalid(`${entry.name}'s data does not match its CRC-32`);
    seen.push({ ...record, offset });
    arrays.push({ key: entry.name.slice(0, -".npy".length), header, data: sink.data });
    inflatedBytes += expected;
  }
  await checkDirectory(input, seen);
  return { arrays, inflatedBytes };
}

async function readLocalHeader(input: ByteInput): Promise<ZipEntryRecord> {
  const fixed = await input.take(LOCAL_HEADER_BYTES);
  if (!fixed) return invalid("the archive ends inside a local header");
  const { nameBytes, extraBytes } = localHeaderLengths(fixed);
  const name = await input.take(nameBytes);
  const extra = await input.take(extraBytes);
  if (!name || !extra) return invalid("the archive ends inside a local header");
  const entry = parseLocalHeader(fixed, name, extra);
  if (entry.flags & FLAG_ENCRYPTED) invalid(`${entry.name} is encrypted`);
  if (!entry.name.endsWith(".npy") || entry.name.length === 4) {
    invalid(`it holds ${JSON.stringify(entry.name)}, which is no .npy array (numpy.savez writes only arrays)`);
  }
  return entry;
}

/** The data descriptor after an entry whose sizes could not be written before its data (a writer that cannot seek). */
async function readDescriptor(input: ByteInput, entry: ZipEntryRecord, crc: number, whole: boolean): Promise<void> {
  const first = await input.peek(4);
  if (first.length === 4 && view(first).getUint32(0, true) === SIGNATURES.descriptor) await input.take(4);
  const sizeBytes = entry.zip64 ? 8 : 4;
  const bytes = await input.take(4 + 2 * sizeBytes);
  if (!bytes) return invalid(`the archive ends inside ${entry.name}'s data descriptor`);
  const v = view(bytes);
  const size = (at: number) => (entry.zip64 ? Number(v.getBigUint64(at, true)) : v.getUint32(at, true));
  if (whole && v.getUint32(0, true) !== crc) invalid(`${entry.name}'s data does not match its CRC-32`);
  if (size(4) !== entry.compressedBytes || size(4 + sizeBytes) !== entry.inflatedBytes) {
    invalid(`${entry.name}'s data descriptor gives other sizes than its data has`);
  }
  entry.crc32 = v.getUint32(0, true);
}
