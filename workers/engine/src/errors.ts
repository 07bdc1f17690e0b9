/**
 * The engine's one error type. `code` is stable (callers and the API branch on it); `message` says what is
 * wrong and what to do, in words a user can act on.
 */
const ENGINE_ERROR_CODES = [
  "UNRECOGNIZED_MODEL_FORMAT",
  "EMPTY_MODEL_FILE",
  "FILE_NOT_FOUND",
  "USAGE",
  /** The file claims a format but its bytes are not a valid instance of it (truncated, corrupted). */
  "CORRUPT_MODEL",
  /** The model uses ops (or op variants) the engine does not support; `details.ops` lists them all. */
  "UNSUPPORTED_OPS",
  /** A valid model with a feature outside what the engine handles (e.g. a legacy opset, dynamic shapes). */
  "UNSUPPORTED_MODEL",
  /**
   * The model is far beyond what a microcontroller runs: a shape, an attribute or a total (MACs, weights,
   * activation memory, ops) over the engine's bounds (`MODEL_LIMITS`, ir/limits.ts); `details` names the bound.
   */
  "OVER_LIMITS",
  /** A graph broke an IR invariant (a bug in an importer or pass, or a malformed model). */
  "INVALID_GRAPH",
  /** A dataset file is missing a key, or has the wrong shape or dtype for the model. */
  "INVALID_DATASET",
  /** The requested optimization cannot be met (e.g. a size budget below the smallest precision). */
  "UNSATISFIABLE",
  /**
   * The engine failed on its own output, not on the user's input: the C it generated does not build or link (a
   * missing library, a toolchain fault). A bug to report; retrying elsewhere may help, changing the model does not.
   */
  "INTERNAL",
] as const;
export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

export class EngineError extends Error {
  override readonly name = "EngineError";
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const isEngineError = (e: unknown): e is EngineError => e instanceof EngineError;
