/**
 * The parts of a file its format is recognised from: the first bytes, the last bytes and the size. The control
 * plane keeps them while an upload streams past; the engine takes them from the whole file (`sampleOf`), so both
 * judge a file from the same bytes and give the same answer.
 */
export interface ModelSample {
  head: Uint8Array;
  tail: Uint8Array;
  size: number;
}

/** Enough for every signature the recognizer reads at the start (HDF5 user blocks up to 32 KiB, ONNX fields). */
export const HEAD_BYTES = 64 * 1024;
/** Enough for the central directory of a zip with thousands of entries. */
export const TAIL_BYTES = 1024 * 1024;

export const sampleOf = (bytes: Uint8Array): ModelSample => ({
  head: bytes.subarray(0, HEAD_BYTES),
  tail: bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES)),
  size: bytes.length,
});
