import { hostname } from "node:os";
import { basename } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { ApplicationFailure } from "@temporalio/common";
import {
  BLOB_URL_TTL_SECONDS,
  type BlobRef,
  type BlobUpload,
  type ControlPlaneActivities,
  createHealthActivities,
  FAILURE_TYPES,
  type HealthActivities,
  JOB_ARTIFACTS,
  type JobArtifactName,
  JobMetrics,
  type JobResultRecord,
  type JobRun,
  jobArtifactKey,
  jobArtifactPrefix,
  type StartJobRunResult,
  TIERS,
} from "@tinyml/workflows/contracts";
import { z } from "zod";
import type { BlobStore } from "../blob/blob-store.js";
import { type Job, JobSchema, ModelSchema } from "../db/entities/index.js";
import { AppError } from "../errors.js";
import { isUuid } from "../services/ids.js";
import type { JobRecorder } from "../services/job-recorder.js";

const FINAL: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);

const ResultRecord = z.object({
  metrics: JobMetrics,
  artifact: z.object({ key: z.string().min(1), fileName: z.string().min(1).max(300) }).nullable(),
  notes: z.array(z.string()),
});

const describeIssues = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ");

const noSuchJob = (jobId: string) =>
  ApplicationFailure.nonRetryable(`job ${jobId} does not exist in this control plane`, FAILURE_TYPES.jobNotRunnable);

const badInput = (message: string) => ApplicationFailure.nonRetryable(message, FAILURE_TYPES.badInput);

/**
 * Turns the services' typed errors into Temporal failures: an unknown job or a record that does not validate
 * cannot get better by retrying, so they fail non-retryably; anything else (the database away) is retried.
 */
async function asActivity<T>(jobId: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof AppError && e.code === "NOT_FOUND") throw noSuchJob(jobId);
    if (e instanceof AppError && e.code === "BAD_REQUEST") throw badInput(e.message);
    throw e;
  }
}

export interface ControlPlaneActivityDeps {
  orm: MikroORM;
  blobStore: BlobStore;
  recorder: JobRecorder;
  /** Lifetime of the signed URLs a run gets (default `BLOB_URL_TTL_SECONDS`). */
  urlTtlSeconds?: number;
}

/**
 * The activities of `optimizeModel` hosted by the control plane (task queue `control-plane`): the only ones
 * that write the database. They read and write job rows and hand the run signed blob URLs; every one may be
 * retried, and a job that has ended is never changed again.
 */
export function createControlPlaneActivities(
  deps: ControlPlaneActivityDeps,
): ControlPlaneActivities & HealthActivities {
  const { orm, blobStore, recorder } = deps;
  const ttl = deps.urlTtlSeconds ?? BLOB_URL_TTL_SECONDS;
  const fork = () => orm.em.fork() as EntityManager;

  async function findJob(em: EntityManager, jobId: string): Promise<Job> {
    const job = isUuid(jobId) ? await em.findOne(JobSchema, { id: jobId }) : null;
    if (!job) throw noSuchJob(jobId);
    return job;
  }

  async function artifactUrls(jobId: string) {
    const uploads = {} as Record<JobArtifactName, BlobUpload>;
    const reads = {} as Record<JobArtifactName, BlobRef>;
    await Promise.all(
      JOB_ARTIFACTS.map(async (name) => {
        const key = jobArtifactKey(jobId, name);
        const [put, get] = await Promise.all([
          blobStore.signedUrl(key, "PUT", ttl),
          blobStore.signedUrl(key, "GET", ttl),
        ]);
        uploads[name] = { key, url: put };
        reads[name] = { key, url: get };
      }),
    );
    return { uploads, reads };
  }

  return {
    ...createHealthActivities({ hostname }),

    async startJobRun(jobId: string): Promise<StartJobRunResult> {
      const em = fork();
      let job = await findJob(em, jobId);
      if (FINAL.has(job.status)) return { kind: "ended", status: job.status };
      if (job.status === "queued") {
        // Conditional, so a cancellation at the same moment is never overwritten; a retry finds it running.
        const now = new Date();
        await em.nativeUpdate(
          JobSchema,
          { id: job.id, status: "queued" },
          { status: "running", stage: "analyze", progress: 0, progressMessage: null, startedAt: now, updatedAt: now },
        );
        job = await findJob(fork(), jobId);
        if (FINAL.has(job.status)) return { kind: "ended", status: job.status };
      }
      const model = await em.findOne(ModelSchema, { id: job.modelId });
      if (!model) {
        throw ApplicationFailure.nonRetryable(`the model of job ${jobId} is gone`, FAILURE_TYPES.jobNotRunnable);
      }
      const [modelUrl, datasetUrl, artifacts] = await Promise.all([
        blobStore.signedUrl(model.blobKey, "GET", ttl),
        job.datasetBlobKey ? blobStore.signedUrl(job.datasetBlobKey, "GET", ttl) : null,
        artifactUrls(job.id),
      ]);
      const run: JobRun = {
        jobId: job.id,
        organizationId: job.organizationId,
        tier: job.tier,
        spec: job.spec,
        model: {
          key: model.blobKey,
          url: modelUrl,
          fileName: model.fileName,
          bytes: Number(model.sizeBytes),
          sha256: model.sha256,
        },
        dataset:
          job.datasetBlobKey && datasetUrl
            ? {
                key: job.datasetBlobKey,
                url: datasetUrl,
                fileName: job.datasetFileName ?? basename(job.datasetBlobKey),
                maxInflatedBytes: TIERS[job.tier].maxDatasetInflatedBytes,
              }
            : null,
        artifactUploads: artifacts.uploads,
        artifactReads: artifacts.reads,
      };
      return { kind: "run", run };
    },

    async recordJobProgress(jobId, progress) {
      await asActivity(jobId, () =>
        recorder.recordProgress(jobId, {
          stage: progress.stage,
          progress: progress.progress,
          message: progress.message,
        }),
      );
    },

    async recordJobResult(jobId: string, result: JobResultRecord) {
      const parsed = ResultRecord.safeParse(result);
      if (!parsed.success) throw badInput(`invalid result of job ${jobId}: ${describeIssues(parsed.error)}`);
      const { metrics, artifact, notes } = parsed.data;
      if (artifact && !artifact.key.startsWith(jobArtifactPrefix(jobId))) {
        throw badInput(`the artifact of job ${jobId} must be one of its own (under ${jobArtifactPrefix(jobId)})`);
      }
      await asActivity(jobId, () =>
        recorder.recordResult(jobId, {
          metrics,
          ...(artifact ? { artifact: { blobKey: artifact.key, fileName: artifact.fileName } } : {}),
          // Notes are for reading: long ones are cut rather than failing a finished job.
          notes: notes.slice(0, 100).map((n) => n.slice(0, 2000)),
        }),
      );
    },

    async recordJobFailure(jobId: string, message: string) {
      await asActivity(jobId, () => recorder.recordFailure(jobId, String(message)));
    },

    async cleanUpCancelledJob(jobId: string) {
      const status = await asActivity(jobId, () => recorder.recordCancellation(jobId));
      // A job that completed before the cancellation keeps its artifacts: they are its download.
      if (status === "completed") return { removed: 0 };
      const keys = await blobStore.list(jobArtifactPrefix(jobId));
      for (const key of keys) await blobStore.delete(key);
      return { removed: keys.length };
    },
  };
}
