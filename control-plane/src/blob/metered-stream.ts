import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { BlobTooLargeError } from "./blob-store.js";

/**
 * A pass-through stream that counts and hashes what flows through it and fails with `BlobTooLargeError` on
 * the first chunk that goes past `maxBytes`, so a store stops reading (and discards) an oversized upload at
 * once instead of after it has arrived whole.
 */
export class MeteredStream extends Transform {
  bytes = 0;
  private readonly hash = createHash("sha256");

  constructor(private readonly maxBytes: number | null | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.maxBytes != null && this.bytes > this.maxBytes) {
      done(new BlobTooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  sha256(): string {
    return this.hash.digest("hex");
  }
}
