/**
 * The control plane's error vocabulary, one table shared by the API, the SDK and the CLI: each stable code
 * with its HTTP status, the tRPC code of tRPC's transport, and what the user can do about it (`hint`; `null`
 * where every message of that code already says it). Services throw `AppError`; the HTTP error handler and
 * tRPC's error formatter turn it into `{ error: { code, message, hint } }` and `data.{appCode, appStatus,
 * hint}`, in one place each. The SDK types its codes from `ErrorCode` and prints the hint it receives.
 */
export const ERRORS = {
  BAD_REQUEST: { status: 400, trpc: "BAD_REQUEST", hint: null },
  UNAUTHORIZED: { status: 401, trpc: "UNAUTHORIZED", hint: null },
  FORBIDDEN: {
    status: 403,
    trpc: "FORBIDDEN",
    hint: "your role in the organization or its tier does not allow this: ask an admin, or upgrade the subscription",
  },
  NOT_FOUND: { status: 404, trpc: "NOT_FOUND", hint: "check the id: it does not exist in your organization" },
  CONFLICT: { status: 409, trpc: "CONFLICT", hint: null },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    trpc: "PAYLOAD_TOO_LARGE",
    hint: "send a smaller file or upgrade the subscription",
  },
  UNSUPPORTED_MODEL: {
    status: 400,
    trpc: "BAD_REQUEST",
    hint: "send the model in a format its framework takes (GET /api/model-frameworks lists them)",
  },
  QUOTA_EXCEEDED: {
    status: 429,
    trpc: "TOO_MANY_REQUESTS",
    hint: "the monthly optimization quota of your tier is used up: upgrade or wait for the next month",
  },
  TOO_MANY_REQUESTS: { status: 429, trpc: "TOO_MANY_REQUESTS", hint: null },
  UNAVAILABLE: {
    status: 503,
    trpc: "SERVICE_UNAVAILABLE",
    hint: "the service is temporarily unavailable: retry later",
  },
  INTERNAL: { status: 500, trpc: "INTERNAL_SERVER_ERROR", hint: null },
} as const satisfies Record<string, { status: number; trpc: string; hint: string | null }>;
export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** The body of every HTTP error answer; `hint` is there when the message does not already say it. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; hint?: string };
}

export class AppError extends Error {
  override readonly name = "AppError";
  readonly headers: Record<string, string>;
  /** What the user can do: the code's hint unless this error says better (`null`: its message says it all). */
  readonly hint: string | null;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { headers?: Record<string, string>; hint?: string | null } = {},
  ) {
    super(message);
    this.headers = options.headers ?? {};
    this.hint = options.hint === undefined ? ERRORS[code].hint : options.hint;
  }
  get status(): number {
    return ERRORS[this.code].status;
  }
  /** The answer's body: the hint is left out when there is none or the message already contains it. */
  body(): ErrorBody {
    const hint = this.hint && !this.message.includes(this.hint) ? this.hint : undefined;
    return { error: { code: this.code, message: this.message, ...(hint ? { hint } : {}) } };
  }
}

/** The code of an error that carries only an HTTP status (a library's `HTTPException`). */
export function errorCodeOfStatus(status: number): ErrorCode {
  return ERROR_CODES.find((code) => ERRORS[code].status === status) ?? (status >= 500 ? "INTERNAL" : "BAD_REQUEST");
}

/** The code of an error tRPC raised itself (input validation, a malformed call): the code of the same name first. */
export function errorCodeOfTrpc(trpcCode: string, httpStatus: number): ErrorCode {
  if (trpcCode in ERRORS) return trpcCode as ErrorCode;
  return ERROR_CODES.find((code) => ERRORS[code].trpc === trpcCode) ?? errorCodeOfStatus(httpStatus);
}

export const badRequest = (message: string) => new AppError("BAD_REQUEST", message);
export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
export const forbidden = (message: string) => new AppError("FORBIDDEN", message);
export const unauthorized = (message = "sign in or send an API key: Authorization: Bearer <token>") =>
  new AppError("UNAUTHORIZED", message);
