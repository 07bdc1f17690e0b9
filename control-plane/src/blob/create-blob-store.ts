import { join, resolve } from "node:path";
import type { ControlPlaneConfig } from "../config.js";
import type { BlobStore } from "./blob-store.js";
import { type BlobUrlSigner, createBlobUrlSigner } from "./blob-url-signer.js";
import { createLocalBlobStore } from "./local-blob-store.js";
import { createS3BlobStore } from "./s3-blob-store.js";

/** The signer of the local store's URLs: PUBLIC_URL and BLOB_URL_SECRET (the same for every process of one deployment). */
export const blobUrlSigner = (config: Pick<ControlPlaneConfig, "PUBLIC_URL" | "BLOB_URL_SECRET">): BlobUrlSigner =>
  createBlobUrlSigner({ publicUrl: config.PUBLIC_URL, secret: config.BLOB_URL_SECRET });

/** The blob store the configuration names: a local folder by default, S3 when BLOB_STORE=s3. */
export function createBlobStore(config: ControlPlaneConfig): BlobStore {
  if (config.BLOB_STORE === "s3") {
    return createS3BlobStore({
      endpoint: config.S3_ENDPOINT as string,
      bucket: config.S3_BUCKET as string,
      region: config.S3_REGION,
      accessKeyId: config.S3_ACCESS_KEY_ID as string,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY as string,
    });
  }
  return createLocalBlobStore(resolve(config.BLOB_DIR ?? join(config.DATA_DIR, "blobs")), blobUrlSigner(config));
}
