import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { MockActivityEnvironment } from "@temporalio/testing";
import { type BlobRef, type BlobUpload, type JobArtifactName, jobArtifactKey } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, inject } from "vitest";
import { REPO_ROOT } from "../../services/launch.js";

/**
 * A job's blobs on the real S3-compatible server for the engine-activity tests: a prefix of the stack's bucket
 * holding the KWS model and dataset as inputs, reached through presigned GET and PUT URLs only (as the control
 * plane hands them out), and a scratch folder. `useJobBucket()` sets both up for the calling test file.
 */

export const run = promisify(execFile);
const env = inject("stackEnv");
const FIXTURES = process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures");
export const KWS_FLOAT = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model_float32.tflite");
export const KWS_DATA = join(REPO_ROOT, ".tmp/fixtures/kws_eembc.npz");
const ENGINE_CLI = join(REPO_ROOT, "workers/engine/bin/tinyml-engine.js");

const bucket = env.S3_BUCKET as string;
const prefix = `engine-activities-${randomUUID()}/`;
let s3: S3Client;
let work: string;

/** Creates the bucket prefix with its inputs and the scratch folder before the file's tests; removes both after. */
export function useJobBucket() {
  beforeAll(async () => {
    s3 = new S3Client({
      endpoint: env.S3_ENDPOINT as string,
      region: env.S3_REGION as string,
      forcePathStyle: true,
      // a presigned PUT must not carry a checksum of the (unknown) body: the activity PUTs any bytes to it
      requestChecksumCalculation: "WHEN_REQUIRED",
      credentials: { accessKeyId: env.S3_ACCESS_KEY_ID as string, secretAccessKey: env.S3_SECRET_ACCESS_KEY as string },
    });
    work = await mkdtemp(join(tmpdir(), "engine-activities-"));
    await putObject("inputs/kws.tflite", await readFile(KWS_FLOAT));
    await putObject("inputs/kws_eembc.npz", await readFile(KWS_DATA));
  });

  afterAll(async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    s3.destroy();
    await rm(work, { recursive: true, force: true });
  });
}

/** The scratch folder of the calling test file (set once `useJobBucket`'s `beforeAll` has run). */
export const workDir = () => work;

export const putObject = (key: string, body: Uint8Array) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + key, Body: body }));

export async function getObject(key: string): Promise<Buffer | null> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
    return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  } catch (e) {
    if ((e as { name?: string }).name === "NoSuchKey") return null;
    throw e;
  }
}

export const ref = async (key: string): Promise<BlobRef> => ({
  key,
  url: await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: prefix + key }), { expiresIn: 3600 }),
});
export const upload = async (key: string): Promise<BlobUpload> => ({
  key,
  url: await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: prefix + key }), { expiresIn: 3600 }),
});

export async function uploadsOf<K extends JobArtifactName>(
  jobId: string,
  names: readonly K[],
): Promise<Record<K, BlobUpload>> {
  const entries = await Promise.all(names.map(async (n) => [n, await upload(jobArtifactKey(jobId, n))] as const));
  return Object.fromEntries(entries) as Record<K, BlobUpload>;
}
export async function readsOf<K extends JobArtifactName>(
  jobId: string,
  names: readonly K[],
): Promise<Record<K, BlobRef>> {
  const entries = await Promise.all(names.map(async (n) => [n, await ref(jobArtifactKey(jobId, n))] as const));
  return Object.fromEntries(entries) as Record<K, BlobRef>;
}

/** Runs an activity the way a worker would, with a heartbeat-capable activity context. */
export const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  new MockActivityEnvironment().run<A, R, typeof fn>(fn, ...args);

/** Runs `tinyml-engine` with `args`; resolves to its standard output. */
export const cli = async (args: string[]) =>
  run(process.execPath, [ENGINE_CLI, ...args], { maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout);

/** A report without what differs between two runs on the same inputs: its time stamp and timings. */
export const withoutVolatile = (report: Record<string, unknown>) => {
  const { createdAt: _c, timings: _t, ...rest } = report;
  return rest;
};
