/** An error answered by the service: HTTP status, the service's stable code and its message. */
export class TinymlApiError extends Error {
  override readonly name = "TinymlApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The service could not be reached at all (connection refused, DNS, TLS). */
export class TinymlConnectionError extends Error {
  override readonly name = "TinymlConnectionError";
}

/** What a user can do about each of the service's error codes (said after the service's own message). */
const ADVICE: Record<string, string> = {
  UNAUTHORIZED: "check the API key (tinyml login, or TINYML_API_KEY)",
  FORBIDDEN: "your role in the organization does not allow this",
  NOT_FOUND: "check the id: it does not exist in your organization",
  PAYLOAD_TOO_LARGE: "send a smaller file or upgrade the subscription",
  QUOTA_EXCEEDED: "the monthly optimization quota of your tier is used up: upgrade or wait for the next month",
  TOO_MANY_REQUESTS: "too many requests: wait a moment and retry",
  UNSUPPORTED_MODEL: "the model's format or operators are not supported: see the message for what to change",
  UNAVAILABLE: "the service is temporarily unavailable: retry later",
};

/** The HTTP status of each code the control plane answers with (for errors that carry no status). */
const STATUS_OF_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MODEL: 400,
  QUOTA_EXCEEDED: 429,
  TOO_MANY_REQUESTS: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** One line for a person: the service's message, then what to do about it when that is not already said. */
export function describeError(error: unknown): string {
  if (error instanceof TinymlConnectionError)
    return `${error.message} (is the server running? check --url or TINYML_URL)`;
  if (error instanceof TinymlApiError) {
    const advice = ADVICE[error.code];
    const head = `${error.message} (${error.code}, HTTP ${error.status})`;
    return advice && !error.message.includes(advice) ? `${head}: ${advice}` : head;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Exit codes of the CLI: 1 for an API error, 2 for usage, 3 when the service cannot be reached. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof TinymlConnectionError) return 3;
  if (error instanceof TinymlApiError) return error.status === 401 ? 4 : 1;
  return 1;
}

interface TrpcErrorLike {
  name?: string;
  message: string;
  cause?: unknown;
  data?: { appCode?: string; code?: string; httpStatus?: number } | null;
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
  if (e.data?.appCode || e.data?.code) {
    const code = e.data.appCode ?? e.data.code ?? "INTERNAL";
    // The code's own status first: an error raised inside a subscription's stream reaches the client as a 500
    // that still carries the service's appCode (e.g. NOT_FOUND).
    return new TinymlApiError(STATUS_OF_CODE[code] ?? e.data.httpStatus ?? 500, code, e.message);
  }
  // A REST-style answer reaching the tRPC client (the authentication middleware answers before tRPC).
  const status = e.meta?.response?.status;
  const body = e.meta?.responseJSON as { error?: { code?: string; message?: string } } | undefined;
  if (body?.error?.code)
    return new TinymlApiError(
      status ?? STATUS_OF_CODE[body.error.code] ?? 500,
      body.error.code,
      body.error.message ?? e.message,
    );
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
