/**
 * The engine's one error type. `code` is stable (callers and the API branch on it); `message` says what is
 * wrong and what to do, in words a user can act on.
 */
export const ENGINE_ERROR_CODES = ["UNRECOGNIZED_MODEL_FORMAT", "EMPTY_MODEL_FILE", "FILE_NOT_FOUND", "USAGE"] as const;
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
