import type { BlobRef, BlobUpload } from "@tinyml/workflows/contracts";

/**
 * A blob transfer that failed. `permanent` when retrying cannot help (the URL is refused or the blob is gone:
 * HTTP 4xx other than 408/429); otherwise the store or the network had a bad moment.
 */
export class BlobTransferError extends Error {
  override readonly name = "BlobTransferError";
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

const TRANSFER_TIMEOUT_MS = 120_000;
const isPermanent = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

/** GETs a signed blob URL (the agent holds no store credentials). */
export async function downloadBlob(ref: BlobRef, what: string, signal?: AbortSignal): Promise<Uint8Array> {
  const response = await fetch(ref.url, { signal: withTimeout(signal) }).catch((e: Error) => {
    throw new BlobTransferError(`cannot download the ${what} (${ref.key}): ${e.message}`, false);
  });
  if (!response.ok) {
    throw new BlobTransferError(
      `cannot download the ${what} (${ref.key}): HTTP ${response.status}`,
      isPermanent(response.status),
    );
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** PUTs bytes to a signed upload URL. */
export async function uploadBlob(
  upload: BlobUpload,
  bytes: Uint8Array,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetch(upload.url, {
    method: "PUT",
    body: bytes,
    headers: { "content-type": "application/octet-stream" },
    signal: withTimeout(signal),
  }).catch((e: Error) => {
    throw new BlobTransferError(`cannot upload the ${what} (${upload.key}): ${e.message}`, false);
  });
  if (!response.ok) {
    throw new BlobTransferError(
      `cannot upload the ${what} (${upload.key}): HTTP ${response.status}`,
      isPermanent(response.status),
    );
  }
}

function withTimeout(signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(TRANSFER_TIMEOUT_MS);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
