import { Reader } from "@zip.js/zip.js";
import type { ModelSample } from "./model-sample.js";

/** A read that falls between the head and the tail of a sample: the bytes were never kept. */
class OutsideSampleError extends Error {
  constructor(index: number, length: number, sample: ModelSample) {
    super(
      `bytes ${index}..${index + length} of a ${sample.size}-byte file lie outside its sample (the first ${sample.head.length} and the last ${sample.tail.length} bytes)`,
    );
  }
}

/**
 * zip.js's random-access reader over a sample: the zip's end records and central directory are read from the
 * tail, its first signature from the head. A read the sample cannot serve throws `OutsideSampleError` rather
 * than inventing bytes.
 */
export class SampleReader extends Reader<ModelSample> {
  constructor(private readonly sample: ModelSample) {
    super(sample);
    this.size = sample.size;
  }

  override async readUint8Array(index: number, length: number): Promise<Uint8Array> {
    const { head, tail, size } = this.sample;
    const tailStart = size - tail.length;
    const end = index + length;
    if (index < 0 || end > size) throw new OutsideSampleError(index, length, this.sample);
    if (end <= head.length) return head.subarray(index, end);
    if (index >= tailStart) return tail.subarray(index - tailStart, end - tailStart);
    // Head and tail meet or overlap (a file shorter than both): the range is served from the two together.
    if (tailStart <= head.length) {
      const bytes = new Uint8Array(length);
      bytes.set(head.subarray(index, tailStart));
      bytes.set(tail.subarray(0, end - tailStart), tailStart - index);
      return bytes;
    }
    throw new OutsideSampleError(index, length, this.sample);
  }
}
