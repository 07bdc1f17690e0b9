import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import type { ModelFileFormat, Tier } from "@tinyml/workflows/contracts";
import { type DatasetRefusal, formatBytes as formatInflated, isDatasetRefusal } from "@tinyml/workflows/datasets";
import { recognizeModelFile } from "@tinyml/workflows/model-files";
import { type BlobStore, BlobTooLargeError } from "../blob/blob-store.js";
import { AppError } from "../errors.js";
import type { Metrics } from "../metrics/metrics.js";
import { DatasetInspection } from "../recognize/dataset-inspection.js";
import { ModelSampler } from "../recognize/model-sample.js";

/** A file streamed into the blob store before the job that uses it exists. */
export interface StagedFile {
  field: "model_file" | "dataset_file";
  fileName: string;
  blobKey: string;
  bytes: number;
  sha256: string;
  /** For a model: its recognised container format (`null`: none the service reads). */
  format: ModelFileFormat | null;
  /** For a model of no format the service reads: what it is instead ("a text file", "a NumPy .npz archive …"). */
  refusal: string | null;
}

const safeName = (name: string) =>
  name
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^[._-]+/, "")
    .slice(0, 100) || "file";

const formatBytes = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} MB` : `${n} bytes`);

/** A dataset the shared .npz reader refused while it streamed in: 413 past the tier's inflated size, else 400. */
function datasetRefused(e: DatasetRefusal, fileName: string, tier: Tier): AppError {
  if (e.kind === "too-large") {
    return new AppError(
      "PAYLOAD_TOO_LARGE",
      `dataset_file "${fileName}" inflates to more than the ${tier.name} tier allows (${formatInflated(tier.maxDatasetInflatedBytes)} of arrays once decompressed): ${e.message}; send fewer samples or upgrade the subscription`,
    );
  }
  return new AppError(
    "BAD_REQUEST",
    `dataset_file "${fileName}" is not a NumPy .npz archive of arrays (as numpy.savez writes it): ${e.message}`,
  );
}

/**
 * Streams one uploaded file into the blob store under the organization's staging prefix: the tier's size
 * limit is enforced while the bytes arrive (the upload stops and nothing is kept), and the content is sampled
 * on the way so the model's format is known without reading it again. A dataset is read by the shared .npz
 * reader on its way (`DatasetInspection`): a bomb or a damaged archive stops the upload and nothing is kept.
 */
export async function stageUpload(deps: {
  blobStore: BlobStore;
  metrics: Metrics;
  organizationId: string;
  tier: Tier;
  field: StagedFile["field"];
  fileName: string;
  stream: Readable;
}): Promise<StagedFile> {
  const { blobStore, tier, field } = deps;
  const blobKey = `orgs/${deps.organizationId}/uploads/${randomUUID()}/${safeName(deps.fileName)}`;
  const kind = field === "model_file" ? "model" : "dataset";
  const sampler = new ModelSampler((n) => deps.metrics.uploadBytes.inc({ kind }, n));
  deps.stream.on("error", (e) => sampler.destroy(e));
  deps.stream.pipe(sampler);
  const inspection = field === "dataset_file" ? new DatasetInspection(tier.maxDatasetInflatedBytes) : null;
  if (inspection) sampler.on("error", (e) => inspection.destroy(e)).pipe(inspection);
  try {
    const stored = await blobStore.put(blobKey, inspection ?? sampler, { maxBytes: tier.maxModelBytes });
    let recognition: { format: ModelFileFormat | null; refusal: string | null } = { format: null, refusal: null };
    if (field === "model_file") recognition = await recognizeModelFile(sampler.sample());
    return { field, fileName: deps.fileName, blobKey, bytes: stored.bytes, sha256: stored.sha256, ...recognition };
  } catch (e) {
    // Undo this function's pipe before resuming: the destroyed sampler's late `close` would pause the
    // stream again otherwise, and the rest of the request would never be read.
    deps.stream.unpipe(sampler);
    deps.stream.resume();
    if (isDatasetRefusal(e)) throw datasetRefused(e, deps.fileName, tier);
    if (e instanceof BlobTooLargeError) {
      throw new AppError(
        "PAYLOAD_TOO_LARGE",
        `${field} "${deps.fileName}" is larger than the ${tier.name} tier allows (${formatBytes(e.maxBytes)}): send a smaller file or upgrade the subscription`,
      );
    }
    throw e;
  }
}
