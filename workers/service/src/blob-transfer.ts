import type { BlobRef, BlobUpload } from "@tinyml/workflows/contracts";

/**
 * Bytes move between activities and the blob store through signed URLs only (contracts/blobs.ts): a GET of a
 * `BlobRef`'s URL, a PUT of the bytes to a `BlobUpload`'s URL. The worker holds no store credentials.
 */

/** A GET or PUT the store refused or that did not complete; `status` is the HTTP status when there was one. */
export class BlobTransferError extends Error {
  override readonly name = "BlobTransferError";
  constructor(
    message: string,
    readonly key: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface BlobTransferOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

const describeFailure = (e: unknown) =>
  e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);

/** GETs a blob; a status other than 2xx is an error naming the key and the status. */
export async function downloadBlob(ref: BlobRef, options: BlobTransferOptions = {}): Promise<Uint8Array> {
  const get = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await get(ref.url, { ...(options.signal ? { signal: options.signal } : {}) });
  } catch (e) {
    if (options.signal?.aborted) throw options.signal.reason ?? e;
    throw new BlobTransferError(`cannot read blob ${ref.key}: ${describeFailure(e)}`, ref.key, null);
  }
  if (!response.ok) {
    const body = (await response.text().catch(() => "")).slice(0, 300);
    throw new BlobTransferError(
      `reading blob ${ref.key} failed: HTTP ${response.status} ${response.statusText}${body ? ` (${body})` : ""}`,
      ref.key,
      response.status,
    );
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** PUTs bytes to a signed upload URL; a status other than 2xx is an error naming the key and the status. */
export async function uploadBlob(
  upload: BlobUpload,
  bytes: Uint8Array | string,
  options: BlobTransferOptions = {},
): Promise<void> {
  const put = options.fetch ?? fetch;
  const body = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  let response: Response;
  try {
    response = await put(upload.url, {
      method: "PUT",
      body,
      headers: { "content-length": String(body.byteLength) },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e) {
    if (options.signal?.aborted) throw options.signal.reason ?? e;
    throw new BlobTransferError(`cannot write blob ${upload.key}: ${describeFailure(e)}`, upload.key, null);
  }
  if (!response.ok) {
    const text = (await response.text().catch(() => "")).slice(0, 300);
    throw new BlobTransferError(
      `writing blob ${upload.key} failed: HTTP ${response.status} ${response.statusText}${text ? ` (${text})` : ""}`,
      upload.key,
      response.status,
    );
  }
  // drain the body so that the connection is reused
  await response.arrayBuffer().catch(() => undefined);
}
