import { PassThrough, Transform, type TransformCallback } from "node:stream";
import { type NpzContents, readNpz } from "@tinyml/workflows/datasets";

/**
 * A pass-through stream that reads an uploaded dataset with the shared .npz reader (`@tinyml/workflows/datasets`,
 * the engine's own) while its bytes flow to the blob store: every array's .npy header is checked against the
 * tier's inflated-size limit before its data is inflated, the inflation is bounded and counted, each CRC-32 and
 * the central directory checked, and nothing is kept. A refusal fails the stream at once (so the store keeps
 * nothing) with the reader's `DatasetRefusal`; `result` settles with the reading.
 */
export class DatasetInspection extends Transform {
  readonly result: Promise<NpzContents>;
  private readonly feed = new PassThrough();

  constructor(maxInflatedBytes: number) {
    super();
    this.result = readNpz(this.feed, { mode: "verify", maxInflatedBytes });
    this.result.catch((e: unknown) => this.destroy(e as Error));
    // The refusal reaches the upload as the store's rejection and as `result`; a store that has already let go of
    // the stream (the local store's pipeline settles on the destroy itself) must not make it an uncaught error.
    this.on("error", () => {});
    // an upload that ends early (client gone) ends the reading too
    this.once("close", () => this.feed.destroy());
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    // the upload moves on once the reader has taken the bytes: a refused dataset stops it where it is refused
    if (this.feed.write(chunk)) done(null, chunk);
    else this.feed.once("drain", () => done(null, chunk));
  }

  override _flush(done: TransformCallback): void {
    this.feed.end();
    this.result.then(
      () => done(),
      (e: unknown) => done(e as Error),
    );
  }
}
