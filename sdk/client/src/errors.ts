import type { ErrorCode } from "@tinyml/control-plane";

/** What the client names a failure by when the answer carries none of the service's codes (a proxy's page, a bad body). */
export type ClientErrorCode = "INVALID_RESPONSE" | `HTTP_${number}`;
export type TinymlErrorCode = ErrorCode | ClientErrorCode;

/**
 * Every code the control plane answers with (its `ErrorCode`, imported as a type): the literal must name each
 * one and nothing else, so the SDK does not build while the control plane has a code it does not know.
 */
const SERVICE_CODES = {
  BAD_REQUEST: true,
  UNAUTHORIZED: true,
  FORBIDDEN: true,
  NOT_FOUND: true,
  CONFLICT: true,
  PAYLOAD_TOO_LARGE: true,
  UNSUPPORTED_MODEL: true,
  QUOTA_EXCEEDED: true,
  TOO_MANY_REQUESTS: true,
  UNAVAILABLE: true,
  INTERNAL: true,
} as const satisfies Record<ErrorCode, true>;
export const SERVICE_ERROR_CODES = Object.keys(SERVICE_CODES) as ErrorCode[];

export const isServiceErrorCode = (code: unknown): code is ErrorCode =>
  typeof code === "string" && Object.hasOwn(SERVICE_CODES, code);

/**
 * Where the client, not the service, knows what the user can do: the API key is the client's setting, which
 * the service cannot name. Every other hint is the one the service sends.
 */
const CLIENT_HINTS: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: "check the API key (tinyml login, or TINYML_API_KEY)",
};

/** An error answered by the service: HTTP status, the service's stable code, its message and what to do. */
export class TinymlApiError extends Error {
  override readonly name = "TinymlApiError";
  constructor(
    readonly status: number,
    readonly code: TinymlErrorCode,
    message: string,
    /** What the user can do about it, as the service says (absent when the message says it). */
    readonly hint?: string | undefined,
  ) {
    super(message);
  }
}

/** The service could not be reached at all (connection refused, DNS, TLS). */
export class TinymlConnectionError extends Error {
  override readonly name = "TinymlConnectionError";
}

/**
 * A `TinymlApiError` from an answer's status and its `{ error: { code, message, hint } }` body; a body that is
 * not the service's (no code of its own) is named by the status.
 */
export function apiErrorOf(status: number, body: unknown, fallbackMessage: string): TinymlApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; hint?: unknown } } | null)?.error;
  const message = typeof error?.message === "string" ? error.message : fallbackMessage;
  const hint = typeof error?.hint === "string" ? error.hint : undefined;
  return new TinymlApiError(status, isServiceErrorCode(error?.code) ? error.code : `HTTP_${status}`, message, hint);
}

/** One line for a person: the service's message, then what to do about it when that is not already said. */
export function describeError(error: unknown): string {
  if (error instanceof TinymlConnectionError)
    return `${error.message} (is the server running? check --url or TINYML_URL)`;
  if (error instanceof TinymlApiError) {
    const hint = (isServiceErrorCode(error.code) ? CLIENT_HINTS[error.code] : undefined) ?? error.hint;
    const head = `${error.message} (${error.code}, HTTP ${error.status})`;
    return hint && !error.message.includes(hint) ? `${head}: ${hint}` : head;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Exit codes of the CLI: 1 for an API error, 2 for usage, 3 when the service cannot be reached, 4 not authorized. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof TinymlConnectionError) return 3;
  if (error instanceof TinymlApiError) return error.status === 401 ? 4 : 1;
  return 1;
}

interface TrpcErrorLike {
  name?: string;
  message: string;
  cause?: unknown;
  data?: { appCode?: unknown; appStatus?: unknown; hint?: unknown; httpStatus?: number } | null;
  meta?: { response?: { status?: number }; responseJSON?: unknown };
}

/**
 * Turns whatever a call threw (a `TRPCClientError` shaped by the control plane's error formatter, a REST
 * error body, a failed connection) into a `TinymlApiError` or a `TinymlConnectionError`.
 */
export function toTinymlError(error: unknown, url: string): TinymlApiError | TinymlConnectionError | Error {
  if (error instanceof TinymlApiError || error instanceof TinymlConnectionError) return error;
  if (!(error instanceof Error)) return new Error(String(error));
  const e = error as TrpcErrorLike;
  if (isConnectionFailure(error)) return connectionError(url, error);
  if (e.data) {
    // The code's own status first: an error raised inside a subscription's stream reaches the client as a 500
    // that still carries the service's appCode and appStatus (e.g. NOT_FOUND, 404).
    const status = typeof e.data.appStatus === "number" ? e.data.appStatus : (e.data.httpStatus ?? 500);
    const hint = typeof e.data.hint === "string" ? e.data.hint : undefined;
    const code: TinymlErrorCode = isServiceErrorCode(e.data.appCode) ? e.data.appCode : `HTTP_${status}`;
    return new TinymlApiError(status, code, e.message, hint);
  }
  // A REST-style answer reaching the tRPC client (the authentication middleware answers before tRPC).
  const status = e.meta?.response?.status;
  const body = e.meta?.responseJSON as { error?: { code?: unknown } } | undefined;
  if (status && isServiceErrorCode(body?.error?.code)) return apiErrorOf(status, body, e.message);
  if (status && status >= 400)
    return new TinymlApiError(status, `HTTP_${status}`, `${status} from the service: ${e.message}`);
  return error;
}

function isConnectionFailure(error: Error): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: string }).code;
    if (
      code &&
      /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET)$/.test(
        code,
      )
    )
      return true;
    if (e instanceof TypeError && e.message === "fetch failed") return true;
  }
  return false;
}

export function connectionError(url: string, error: unknown): TinymlConnectionError {
  let reason = "";
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: string }).code;
    if (code) {
      reason = `: ${code}`;
      break;
    }
    if (e.cause === undefined && e !== error) reason = `: ${e.message}`;
  }
  return new TinymlConnectionError(`cannot reach the TinyML service at ${url}${reason}`);
}
