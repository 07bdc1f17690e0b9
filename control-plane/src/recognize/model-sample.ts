import { Transform, type TransformCallback } from "node:stream";
import { HEAD_BYTES, type ModelSample, TAIL_BYTES } from "@tinyml/workflows/model-files";

/**
 * A pass-through stream that keeps the head and the tail of what flows through it, so the format can be
 * recognised after a streamed upload without reading the blob again.
 */
export class ModelSampler extends Transform {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  size = 0;

  /** `onBytes` sees the size of each chunk as it passes (for upload metrics). */
  constructor(private readonly onBytes: (n: number) => void = () => {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    this.onBytes(chunk.length);
    if (this.headBytes < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.headBytes);
      this.head.push(part);
      this.headBytes += part.length;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - (this.tail[0]?.length ?? 0) >= TAIL_BYTES) {
      this.tailBytes -= this.tail.shift()?.length ?? 0;
    }
    done(null, chunk);
  }

  sample(): ModelSample {
    const tail = Buffer.concat(this.tail);
    return {
      head: Buffer.concat(this.head),
      tail: tail.subarray(Math.max(0, tail.length - TAIL_BYTES)),
      size: this.size,
    };
  }
}
