/**
 * Why a dataset is refused: `too-large` when its arrays would take more than the allowed bytes once inflated
 * (the tier's limit, or the reader's), `invalid` when it is no .npz archive of readable .npy arrays. The message
 * says what is wrong and what to do; the control plane answers it as 413 or 400, the engine as INVALID_DATASET.
 */
export class DatasetRefusal extends Error {
  override readonly name = "DatasetRefusal";
  constructor(
    readonly kind: "too-large" | "invalid",
    message: string,
  ) {
    super(message);
  }
}

export const isDatasetRefusal = (e: unknown): e is DatasetRefusal => e instanceof DatasetRefusal;

/** Bytes for a message: "100 MB" (1000-based, as the tiers are written), or "123 bytes". */
export const formatBytes = (n: number): string =>
  n >= 1_000_000 ? `${Math.round(n / 100_000) / 10} MB` : n >= 1000 ? `${Math.round(n / 100) / 10} KB` : `${n} bytes`;
