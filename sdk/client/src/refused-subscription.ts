type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Whether `body` is tRPC's answer of a failed call: `{ error: { message, code: <JSON-RPC number>, data } }`. */
const isTrpcErrorBody = (body: unknown): body is { error: { code: number; message: string } } => {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === "number" && typeof error.message === "string";
};

/**
 * The fetch of a subscription's event stream. The service refuses a subscription before its stream starts (another
 * organization's job: 404) with the error's status and tRPC's error body; EventSource would keep only "Non-200
 * status code (404)" of it. Such an answer is handed on as the one event tRPC's subscription link reads an error
 * from (`serialized-error`), so the refusal reaches `onError` with its code, status and message, as a failed
 * query's does, and the link does not reconnect (a NOT_FOUND is not retryable). Other answers pass unchanged.
 */
export function refusedSubscriptionsAsErrors(doFetch: Fetch): Fetch {
  return async (input, init) => {
    const res = await doFetch(input, init);
    if (res.ok || !(res.headers.get("content-type") ?? "").startsWith("application/json")) return res;
    const body: unknown = await res
      .clone()
      .json()
      .catch(() => null);
    if (!isTrpcErrorBody(body)) return res;
    return new Response(`event: serialized-error\ndata: ${JSON.stringify(body.error)}\n\n`, {
      headers: { "content-type": "text/event-stream" },
    });
  };
}
