import type { BlobRef, BlobUpload } from "./blobs.js";

/**
 * The one client of the signed blob URLs (blobs.ts), used by every worker and farm agent: a GET of a `BlobRef`'s
 * URL, a PUT of the bytes to a `BlobUpload`'s URL. It runs in activities only, never in workflow code (it does I/O
 * and keeps time); it uses nothing but the runtime's `fetch`, `AbortSignal` and timers, as the contracts import
 * nothing but zod.
 *
 * What a failure means decides what happens to it:
 * - a 4xx other than 408 and 429 is permanent: the URL was refused (expired or wrong signature) or the blob is not
 *   there, and asking again cannot help; it fails at once, and the activity fails as bad input;
 * - anything else (a 5xx, 408, 429, a network error, no answer within the timeout) is the store's or the network's
 *   bad moment: it is tried again, a few times with a growing pause, then fails as transient so that Temporal's
 *   retry policy takes over;
 * - the caller's abort signal (the activity cancelled) stops it at once with the signal's reason.
 */

/** The client's defaults: one timeout for a whole GET or PUT, and how many tries before a transient failure. */
export const BLOB_TRANSFER_DEFAULTS = Object.freeze({
  /** Longest a single GET or PUT (answer and body) may take: firmware and models are megabytes at most. */
  timeoutMs: 120_000,
  /** Tries of one transfer before it fails as transient. */
  attempts: 3,
  /** Pause before the second try; doubled before each further one. */
  backoffMs: 500,
});

/** A GET or PUT that failed. `status` is the HTTP status when there was an answer; `permanent` when retrying cannot help. */
export class BlobTransferError extends Error {
  override readonly name = "BlobTransferError";
  constructor(
    message: string,
    readonly key: string,
    readonly status: number | null,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** A refusal that retrying cannot change: a 4xx, except 408 (request timeout) and 429 (too many requests). */
export const isPermanentHttpStatus = (status: number): boolean =>
  status >= 400 && status < 500 && status !== 408 && status !== 429;

export interface BlobTransferOptions {
  /** What the blob is, for messages ("firmware" → "cannot download the firmware (key): …"). */
  what?: string;
  /** The caller's cancellation (the activity's): aborts the transfer and any pause between tries. */
  signal?: AbortSignal;
  /** HTTP client (the global fetch by default). */
  fetch?: typeof fetch;
  timeoutMs?: number;
  attempts?: number;
  backoffMs?: number;
}

/** GETs a blob by its signed URL. */
export function downloadBlob(ref: BlobRef, options: BlobTransferOptions = {}): Promise<Uint8Array> {
  const get = options.fetch ?? fetch;
  return transfer("download", ref.key, options, async (signal) => {
    const response = await get(ref.url, { signal });
    return response.ok ? { response, body: new Uint8Array(await response.arrayBuffer()) } : { response };
  });
}

/** PUTs bytes (or text, as UTF-8) to a signed upload URL. */
export async function uploadBlob(
  upload: BlobUpload,
  bytes: Uint8Array | string,
  options: BlobTransferOptions = {},
): Promise<void> {
  const put = options.fetch ?? fetch;
  const body = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  await transfer("upload", upload.key, options, async (signal) => {
    const response = await put(upload.url, { method: "PUT", body, signal });
    // drain the body so that the connection is reused
    if (response.ok) await response.arrayBuffer();
    return { response, body: undefined };
  });
}

type Attempt<T> = (signal: AbortSignal) => Promise<{ response: Response; body?: T }>;

/** Runs `attempt` until it answers 2xx, fails permanently, runs out of tries, or the caller aborts. */
async function transfer<T>(
  verb: "download" | "upload",
  key: string,
  options: BlobTransferOptions,
  attempt: Attempt<T>,
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? BLOB_TRANSFER_DEFAULTS.attempts);
  const timeoutMs = options.timeoutMs ?? BLOB_TRANSFER_DEFAULTS.timeoutMs;
  const subject = options.what ? `the ${options.what} (${key})` : `blob ${key}`;
  const fail = (detail: string, status: number | null, permanent: boolean) =>
    new BlobTransferError(`cannot ${verb} ${subject}: ${detail}`, key, status, permanent);

  /** One try: the body, or the failure it ended in (the caller's abort is thrown). */
  async function once(): Promise<{ body: T } | { failure: BlobTransferError }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const { response, body } = await attempt(signal);
      if (response.ok) return { body: body as T };
      const status = response.status;
      const text = (await response.text().catch(() => "")).trim().slice(0, 300);
      const detail = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ""}${text ? ` (${text})` : ""}`;
      return { failure: fail(detail, status, isPermanentHttpStatus(status)) };
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason ?? e;
      const detail = timeout.aborted ? `no answer within ${timeoutMs / 1000} s` : describeNetworkFailure(e);
      return { failure: fail(detail, null, false) };
    }
  }

  let failure = fail("not tried", null, false);
  for (let n = 1; n <= attempts; n++) {
    if (n > 1) await pause((options.backoffMs ?? BLOB_TRANSFER_DEFAULTS.backoffMs) * 2 ** (n - 2), options.signal);
    const outcome = await once();
    if ("body" in outcome) return outcome.body;
    failure = outcome.failure;
    if (failure.permanent) throw failure;
  }
  if (attempts > 1) failure.message += ` (tried ${attempts} times)`;
  throw failure;
}

/** fetch's own message is "fetch failed"; the reason (ECONNREFUSED, a reset) is its cause. */
const describeNetworkFailure = (e: unknown) =>
  e instanceof Error ? (e.cause instanceof Error ? `${e.message}: ${e.cause.message}` : e.message) : String(e);

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
