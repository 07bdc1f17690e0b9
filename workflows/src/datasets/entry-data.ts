import { createInflateRaw, type InflateRaw } from "node:zlib";
import type { ByteInput } from "./byte-input.js";
import type { EntrySink } from "./entry-sink.js";
import { MAX_NPY_HEADER_BYTES, parseNpyHeader } from "./npy-header.js";
import { invalid, type ZipEntryRecord } from "./zip-records.js";

/** Compressed bytes handed to the inflater at once; what it makes of them is checked chunk by chunk (64 KiB). */
const PIECE_BYTES = 64 * 1024;
/** Smaller pieces until the .npy header is read: no more is inflated than the header needs, give or take 4 MiB. */
const HEADER_PIECE_BYTES = 4 * 1024;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

/** What reading an entry's data found: its compressed length, and whether every inflated byte went to the sink. */
export interface EntryData {
  compressedBytes: number;
  whole: boolean;
}

/**
 * Feeds one entry's data from `input` to `sink`: stored bytes as they are, deflated bytes through a streaming
 * inflater whose every output chunk the sink counts (and refuses past the .npy header's size), so the inflation
 * is bounded whatever the zip's headers claim. In `headers` mode the data after the .npy header is skipped
 * unread where the compressed length is known.
 */
export async function readEntryData(input: ByteInput, entry: ZipEntryRecord, sink: EntrySink): Promise<EntryData> {
  if (entry.method === METHOD_STORED) return readStored(input, entry, sink);
  if (entry.method === METHOD_DEFLATE) return readDeflated(input, entry, sink);
  return invalid(
    `${entry.name} is compressed with method ${entry.method} (numpy.savez stores, numpy.savez_compressed deflates)`,
  );
}

const truncated = (entry: ZipEntryRecord): never => invalid(`the archive ends inside ${entry.name}`);

async function readStored(input: ByteInput, entry: ZipEntryRecord, sink: EntrySink): Promise<EntryData> {
  let size = entry.compressedBytes;
  if (size !== null && size !== entry.inflatedBytes) {
    invalid(`${entry.name} is stored uncompressed, yet its sizes differ (${size} and ${entry.inflatedBytes} bytes)`);
  }
  if (size === null) {
    // A stored entry whose size follows it (a writer that could not seek): its .npy header says where it ends.
    const header = parseNpyHeader(await input.peek(MAX_NPY_HEADER_BYTES + 12), entry.name);
    if (!header) return truncated(entry);
    size = header.headerBytes + header.dataBytes;
  }
  let left = size;
  while (left > 0 && sink.wantsMore) {
    const piece = await input.takeSome(Math.min(left, PIECE_BYTES));
    if (!piece.length) truncated(entry);
    sink.write(piece);
    left -= piece.length;
  }
  const whole = left === 0;
  if (!whole && !(await input.skip(left))) truncated(entry);
  return { compressedBytes: size, whole };
}

/** Settles once the inflater has flushed everything or stopped; rejects when its stream was incomplete or damaged. */
const settled = (inflater: InflateRaw): Promise<void> =>
  new Promise((resolve, reject) => {
    inflater.once("end", resolve);
    inflater.once("error", reject);
    inflater.once("close", resolve);
  });

async function readDeflated(input: ByteInput, entry: ZipEntryRecord, sink: EntrySink): Promise<EntryData> {
  const known = entry.compressedBytes;
  const inflater = createInflateRaw({ chunkSize: PIECE_BYTES });
  let failure: unknown = null;
  inflater.on("data", (chunk: Buffer) => {
    if (failure !== null) return;
    try {
      sink.write(chunk);
    } catch (e) {
      failure = e;
      inflater.destroy(); // stops the inflation at once: no further output is made
    }
  });
  const done = settled(inflater);
  /** The inflater's end: the sink's refusal first, then the inflater's own error as a damaged entry. */
  const outcome = async () => {
    await done.catch((e: unknown) => {
      if (failure === null) invalid(`${entry.name}'s compressed data is damaged or truncated (${String(e)})`);
    });
    if (failure !== null) throw failure;
  };
  // The whole stream is inflated unless only the header is wanted and the zip says where the data ends.
  const inflateAll = sink.wantsData || known === null;
  let given = 0;
  let streamEnded = false;
  try {
    while (inflateAll || sink.wantsMore) {
      const pieceBytes = sink.header ? PIECE_BYTES : HEADER_PIECE_BYTES;
      const want = known === null ? pieceBytes : Math.min(pieceBytes, known - given);
      if (want === 0) break;
      const piece = await input.takeSome(want);
      if (!piece.length) truncated(entry);
      const wrote = new Promise<void>((resolve) => inflater.write(piece, () => resolve()));
      await Promise.race([wrote, done.catch(() => {})]);
      given += piece.length;
      if (failure !== null || inflater.destroyed) await outcome();
      const unused = given - inflater.bytesWritten;
      if (unused > 0) {
        // the deflate stream ended inside this piece: what follows belongs to the next record
        if (known !== null) invalid(`${entry.name}'s deflate stream ends before its ${known} compressed bytes`);
        input.unshift(piece.subarray(piece.length - unused));
        given -= unused;
        streamEnded = true;
        break;
      }
    }
    if (inflateAll) {
      if (!streamEnded) inflater.end();
      await outcome();
    } else if (failure !== null) throw failure;
  } finally {
    inflater.destroy();
  }
  if (known !== null && given < known && !(await input.skip(known - given))) truncated(entry);
  return { compressedBytes: known ?? given, whole: inflateAll };
}
