import { z } from "zod";

/**
 * Bytes travel through the blob store, never through Temporal payloads. The control plane (which owns the store)
 * hands activities signed URLs: a `BlobRef` to read one blob, a `BlobUpload` to write one. Workers and farm agents
 * need no store credentials: an HTTP GET or PUT of the URL is all they do. URLs expire (`BLOB_URL_TTL_SECONDS`).
 */
export const BlobRef = z.object({
  key: z.string().min(1),
  /** GET this URL for the content. */
  url: z.string().url(),
});
export type BlobRef = z.infer<typeof BlobRef>;

export const BlobUpload = z.object({
  key: z.string().min(1),
  /** PUT the content to this URL (body = the bytes, no multipart). */
  url: z.string().url(),
});
export type BlobUpload = z.infer<typeof BlobUpload>;

/**
 * Lifetime of a signed blob URL: long enough for a whole run with its retries and the farm wait (12 h); the URLs
 * are signed once, when the run starts (`startJobRun`).
 */
export const BLOB_URL_TTL_SECONDS = 24 * 60 * 60;

/** Blob keys of a job's artifacts: everything under this prefix is removed when the job is cancelled. */
export const jobArtifactPrefix = (jobId: string): string => `jobs/${jobId}/artifacts/`;

/**
 * Artifacts one optimizeModel run writes, by name (the key is `jobArtifactPrefix(jobId) + name`).
 * - `model.tflite`, `model.onnx`, `report.json`: the engine's optimize output
 * - `c.tar.gz`: the generated C folder (model.c, model.h, runtime, CMakeLists.txt, README)
 * - `firmware.elf`, `firmware.map`: the benchmark firmware for the job's target
 * - `inputs.bin`, `expected.bin`: the benchmark inputs and the host build's outputs for them
 * - `outputs.bin`: the board's outputs, written by the farm
 * - `benchmark.json`: the full benchmark record
 * - `bundle.tar.gz`: what `/api/jobs/{id}/download` returns (all of the above that a user needs)
 */
export const JOB_ARTIFACTS = [
  "model.tflite",
  "model.onnx",
  "report.json",
  "c.tar.gz",
  "firmware.elf",
  "firmware.map",
  "inputs.bin",
  "expected.bin",
  "outputs.bin",
  "benchmark.json",
  "bundle.tar.gz",
] as const;
export const JobArtifactName = z.enum(JOB_ARTIFACTS);
export type JobArtifactName = z.infer<typeof JobArtifactName>;

export const jobArtifactKey = (jobId: string, name: JobArtifactName): string => `${jobArtifactPrefix(jobId)}${name}`;
