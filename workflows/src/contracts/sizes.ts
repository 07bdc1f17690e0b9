/**
 * Sizes are bytes everywhere past the API boundary. Where people read or type a size, "KB" is the SI kilobyte,
 * 1000 bytes (the API's `target_size_kb`, the engine CLI's `--size-budget-kb`, messages and reports), never 1024.
 */
export const BYTES_PER_KB = 1000;

/** A size given in KB (1000 bytes) as a whole number of bytes. */
export const kbToBytes = (kb: number): number => Math.round(kb * BYTES_PER_KB);

/** A size in bytes as people read it: "48.2 KB" (1 KB = 1000 bytes). */
export const formatKb = (bytes: number): string => `${(bytes / BYTES_PER_KB).toFixed(1)} KB`;
