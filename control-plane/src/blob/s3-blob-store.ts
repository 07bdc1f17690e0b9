import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { assertBlobKey, BlobNotFoundError, type BlobStore, type PutOptions, type StoredBlob } from "./blob-store.js";
import { MeteredStream } from "./metered-stream.js";

export interface S3BlobStoreOptions {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key prefix inside the bucket (e.g. one per test run). */
  prefix?: string;
}

/**
 * A client of the store's endpoint. Presigning needs one that adds no checksum of an (unknown) body to the
 * URL: with the SDK's default checksums a presigned PUT carries the CRC32 of an empty body and the server
 * refuses the real one.
 */
const clientOf = (options: S3BlobStoreOptions, use: "requests" | "presigning") =>
  new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: true,
    ...(use === "presigning" ? { requestChecksumCalculation: "WHEN_REQUIRED" as const } : {}),
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
  });

/** Whether S3 answered that the object does not exist. */
const absent = (e: unknown) =>
  e instanceof NoSuchKey || e instanceof NotFound || (e as { name?: string }).name === "NotFound";

/**
 * Blobs as objects of one S3 bucket. Puts stream through a multipart upload (`@aws-sdk/lib-storage`): the
 * first part is sent only once 5 MiB have arrived, and a failed or oversized upload aborts the multipart
 * upload, so nothing is left in the bucket.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const client = clientOf(options, "requests");
  const Bucket = options.bucket;
  const base = options.prefix ? `${options.prefix.replace(/\/+$/, "")}/` : "";
  const objectKey = (key: string) => {
    assertBlobKey(key);
    return `${base}${key}`;
  };
  let signingClient: S3Client | null = null;
  const presigner = () => {
    signingClient ??= clientOf(options, "presigning");
    return signingClient;
  };

  return {
    kind: "s3",
    async put(key: string, body: Readable, putOptions: PutOptions = {}): Promise<StoredBlob> {
      const meter = new MeteredStream(putOptions.maxBytes);
      body.on("error", (e) => meter.destroy(e));
      body.pipe(meter);
      const upload = new Upload({ client, params: { Bucket, Key: objectKey(key), Body: meter } });
      try {
        await upload.done();
      } catch (e) {
        await upload.abort().catch(() => {});
        body.destroy();
        throw meter.errored ?? e;
      }
      return { key, bytes: meter.bytes, sha256: meter.sha256() };
    },
    async get(key: string): Promise<Readable> {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: objectKey(key) }));
        if (!(out.Body instanceof Readable)) throw new Error("S3 answered without a body stream");
        return out.Body;
      } catch (e) {
        if (absent(e)) throw new BlobNotFoundError(key);
        throw e;
      }
    },
    async stat(key: string) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: objectKey(key) }));
        return { bytes: out.ContentLength ?? 0 };
      } catch (e) {
        if (absent(e)) return null;
        throw e;
      }
    },
    async list(prefix: string): Promise<string[]> {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const out = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: `${base}${prefix}`, ContinuationToken }),
        );
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key.slice(base.length));
        ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys.sort();
    },
    async delete(key: string): Promise<void> {
      await client.send(new DeleteObjectCommand({ Bucket, Key: objectKey(key) }));
    },
    async signedUrl(key, method, ttlSeconds) {
      const Key = objectKey(key);
      const command = method === "GET" ? new GetObjectCommand({ Bucket, Key }) : new PutObjectCommand({ Bucket, Key });
      return getSignedUrl(presigner(), command, { expiresIn: ttlSeconds });
    },
    async close() {
      client.destroy();
      signingClient?.destroy();
    },
  };
}
