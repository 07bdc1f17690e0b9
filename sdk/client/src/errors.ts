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
