// Types the SDK is typed from (it may import this package's types only, never its code).
export type { HardwareTarget, ModelFramework, Tier } from "@tinyml/workflows/contracts";
export {
  type ActivityWorker,
  type ActivityWorkerOptions,
  type ActivityWorkerState,
  startActivityWorker,
} from "./activities/activity-worker.js";
export { type ControlPlaneActivityDeps, createControlPlaneActivities } from "./activities/control-plane-activities.js";
export { API_VERSION, type AppOptions, createApp, SERVICE_NAME } from "./app.js";
export {
  BlobNotFoundError,
  type BlobStore,
  BlobTooLargeError,
  type SignedUrlMethod,
  type StoredBlob,
} from "./blob/blob-store.js";
export { type BlobStoreCase, blobStoreConformance, signedUrlConformance } from "./blob/blob-store-conformance.js";
export { type BlobUrlSigner, createBlobUrlSigner, SIGNED_BLOB_PATH } from "./blob/blob-url-signer.js";
export { createLocalBlobStore } from "./blob/local-blob-store.js";
export { createS3BlobStore, type S3BlobStoreOptions } from "./blob/s3-blob-store.js";
export { ControlPlaneConfig, loadControlPlaneConfig } from "./config.js";
export { type ControlPlane, createControlPlane } from "./control-plane.js";
export { ERROR_CODES, ERRORS, type ErrorBody, type ErrorCode } from "./errors.js";
export { type AppRouter, appRouter, createCaller } from "./routers/_app.js";
export type { Caller } from "./services/caller.js";
export type { Services } from "./services/index.js";
export type { Orchestrator } from "./services/orchestrator.js";
export { createContextInner } from "./trpc/context.js";
