import type { Readable } from "node:stream";

/** What a finished upload wrote. */
export interface StoredBlob {
  key: string;
  bytes: number;
  /** Hex SHA-256 of the content. */
  sha256: string;
}

export interface PutOptions {
  /** Refuse (and store nothing) as soon as more bytes than this have arrived; `null` or absent: no limit. */
  maxBytes?: number | null;
}

export type SignedUrlMethod = "GET" | "PUT";

/**
 * Where model files, datasets and artifacts live. Bytes are streamed in and out, never held whole in memory.
 * Implementations: a local folder (the embedded default) and S3; both pass `blobStoreConformance`.
 */
export interface BlobStore {
  readonly kind: "local" | "s3";
  /** Streams `body` to `key`. Rejects with `BlobTooLargeError` past `maxBytes`, leaving nothing stored. */
  put(key: string, body: Readable, options?: PutOptions): Promise<StoredBlob>;
  /** The content of `key`; rejects with `BlobNotFoundError` when there is none. */
  get(key: string): Promise<Readable>;
  /** Size of `key`, or `null` when absent. */
  stat(key: string): Promise<{ bytes: number } | null>;
  /** Keys under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes `key`; removing an absent key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * A URL that lets whoever holds it GET (read) or PUT (write, body = the bytes) `key` for `ttlSeconds`,
   * without store credentials: what workers and farm agents are handed instead of the bytes. Any other
   * method, a changed URL or a late request is refused with 403.
   */
  signedUrl(key: string, method: SignedUrlMethod, ttlSeconds: number): Promise<string>;
  close(): Promise<void>;
}

export class BlobTooLargeError extends Error {
  override readonly name = "BlobTooLargeError";
  constructor(readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
  }
}

export class BlobNotFoundError extends Error {
  override readonly name = "BlobNotFoundError";
  constructor(readonly key: string) {
    super(`no blob ${key}`);
  }
}

/** Keys are relative paths of safe segments (no `..`, no leading slash), the same for every store. */
export function assertBlobKey(key: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/.test(key) || key.length > 512) {
    throw new Error(`invalid blob key ${JSON.stringify(key)}`);
  }
}
