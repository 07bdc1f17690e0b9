import { crc32 } from "node:zlib";
import { DatasetRefusal, formatBytes } from "./dataset-refusal.js";
import { type NpyHeader, parseNpyHeader } from "./npy-header.js";

/**
 * How much of an entry's inflated bytes a reading needs:
 * - `headers`: each array's .npy header only (sizes and dtypes are checked; the data is skipped where the zip
 *   says where it ends, and inflated, counted and dropped where it does not);
 * - `verify`: every byte inflated, counted against the header's size and checked against the CRC-32, then dropped;
 * - `keep`: the same, and each array's data kept (in a buffer of exactly the header's size).
 */
export type NpzReadMode = "headers" | "verify" | "keep";

/**
 * Where one entry's inflated bytes go: its .npy header is gathered and parsed first; the array's declared size
 * (header + data) is then checked against the bytes still allowed, BEFORE any data is inflated; every later byte
 * is counted against that size, so an entry whose deflate stream holds more than its header declares is refused
 * as soon as the excess arrives, whatever the zip's headers say.
 */
export class EntrySink {
  private gathered: Uint8Array[] = [];
  private gatheredBytes = 0;
  header: NpyHeader | null = null;
  /** The inflated size the .npy header declares (header + data); known once the header is parsed. */
  expected = 0;
  written = 0;
  crc = 0;
  data: Uint8Array | null = null;

  constructor(
    private readonly name: string,
    private readonly mode: NpzReadMode,
    /** Inflated bytes still allowed for this entry (the limit less the entries before it). */
    private readonly allowed: number,
    private readonly limit: number,
    /** The inflated size the zip's local header gives, when it gives one: it must agree with the .npy header. */
    private readonly declared: number | null,
  ) {}

  /** Whether every byte of the data is wanted (to count, check and maybe keep), not only the .npy header. */
  get wantsData(): boolean {
    return this.mode !== "headers";
  }

  /** Whether more inflated bytes are wanted (`headers` mode wants none once the header is parsed). */
  get wantsMore(): boolean {
    return this.header === null || this.mode !== "headers";
  }

  write(chunk: Uint8Array): void {
    if (this.header === null) this.gather(chunk);
    else this.accept(chunk, this.header);
  }

  /** Bytes of the array (its header's own bytes first): counted against the declared size, checked, kept. */
  private accept(chunk: Uint8Array, header: NpyHeader): void {
    if (this.written + chunk.length > this.expected) {
      throw new DatasetRefusal(
        "invalid",
        `the dataset is not a valid .npz file: ${this.name} inflates to more than the ${this.expected} bytes its .npy header declares`,
      );
    }
    this.crc = crc32(chunk, this.crc);
    if (this.data) {
      const skip = Math.max(0, header.headerBytes - this.written);
      if (skip < chunk.length) this.data.set(chunk.subarray(skip), this.written + skip - header.headerBytes);
    }
    this.written += chunk.length;
  }

  private gather(chunk: Uint8Array): void {
    this.gathered.push(chunk);
    this.gatheredBytes += chunk.length;
    const bytes = this.gathered.length === 1 ? chunk : joined(this.gathered, this.gatheredBytes);
    this.gathered = [bytes];
    const header = parseNpyHeader(bytes, this.name);
    if (!header) return;
    this.expected = header.headerBytes + header.dataBytes;
    if (this.expected > this.allowed) {
      throw new DatasetRefusal(
        "too-large",
        `the dataset's arrays take more than ${formatBytes(this.limit)} once decompressed: ${this.name} declares shape (${header.shape.join(", ")}) of ${header.dtype}, ${formatBytes(header.dataBytes)}${this.limit > this.allowed ? `, after ${formatBytes(this.limit - this.allowed)} of arrays before it` : ""}`,
      );
    }
    if (this.declared !== null && this.declared !== this.expected) {
      throw new DatasetRefusal(
        "invalid",
        `the dataset is not a valid .npz file: ${this.name}'s local header says ${this.declared} bytes, its .npy header ${this.expected}`,
      );
    }
    this.header = header;
    this.gathered = [];
    if (this.mode === "keep") this.data = new Uint8Array(header.dataBytes);
    this.accept(bytes, header); // the header's own bytes and whatever data came with them
  }

  /** At the end of the entry's bytes (`whole`: all of them were written): all the header declared, no less. */
  finish(whole: boolean): void {
    if (!this.header) {
      throw new DatasetRefusal(
        "invalid",
        `the dataset is not a valid .npz file: ${this.name} ends inside its .npy header`,
      );
    }
    if (whole && this.written < this.expected) {
      throw new DatasetRefusal(
        "invalid",
        `the dataset is not a valid .npz file: ${this.name} holds ${this.written - this.header.headerBytes} data bytes, its shape needs ${this.header.dataBytes}`,
      );
    }
  }
}

function joined(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
