import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { JobStage, JobStatus } from "@tinyml/workflows/contracts";
import { z } from "zod";
import { JobResultSchema, JobSchema } from "../db/entities/index.js";
import { badRequest, notFound } from "../errors.js";
import { isUuid } from "./ids.js";
import { FINAL_STATUSES } from "./job-view.js";

export const ProgressUpdate = z.object({
  status: JobStatus.exclude(["completed", "failed", "cancelled"]).default("running"),
  stage: JobStage,
  progress: z.number().min(0).max(1),
  /** What the stage is doing, in words (longer messages are cut). */
  message: z
    .string()
    .transform((m) => m.slice(0, 1000))
    .optional(),
});
export type ProgressUpdate = z.input<typeof ProgressUpdate>;

export const JobOutcome = z.object({
  /** Figures, each `{ value, unit?, source: "measured" | "emulated" | "estimated" | "computed" }`. */
  metrics: z.record(z.string(), z.unknown()),
  artifact: z.object({ blobKey: z.string().min(1), fileName: z.string().min(1).max(300) }).optional(),
  /** Notes a user should read with the figures (a step skipped and why). */
  notes: z.array(z.string().max(2000)).max(100).default([]),
});
export type JobOutcome = z.input<typeof JobOutcome>;

/** A job of the grid by its id (the grid's activities are not scoped to an organization). */
async function openJob(em: EntityManager, jobId: string) {
  const job = isUuid(jobId) ? await em.findOne(JobSchema, { id: jobId }) : null;
  if (!job) throw notFound(`job ${jobId}`);
  return job;
}

/**
 * What the grid reports about a job, written by the control plane (the only process that writes the
 * database): progress as it goes, then a result or a failure. The control-plane activities of
 * `optimizeModel` call these; a job that has ended is not changed again (activities may be retried).
 */
export function createJobRecorder(deps: { orm: MikroORM }) {
  const fork = () => deps.orm.em.fork() as EntityManager;

  return {
    async recordProgress(jobId: string, update: ProgressUpdate) {
      const parsed = ProgressUpdate.safeParse(update);
      if (!parsed.success)
        throw badRequest(`invalid progress: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
      const em = fork();
      const job = await openJob(em, jobId);
      if (FINAL_STATUSES.has(job.status)) return false;
      const now = new Date();
      job.status = parsed.data.status;
      job.stage = parsed.data.stage;
      job.progress = parsed.data.progress;
      job.progressMessage = parsed.data.message ?? null;
      job.updatedAt = now;
      if (parsed.data.status === "running") job.startedAt ??= now;
      await em.flush();
      return true;
    },

    async recordResult(jobId: string, outcome: JobOutcome) {
      const parsed = JobOutcome.safeParse(outcome);
      if (!parsed.success) throw badRequest(`invalid result: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
      const em = fork();
      return em.transactional(async (tx) => {
        const job = await openJob(tx, jobId);
        if (FINAL_STATUSES.has(job.status)) return false;
        const now = new Date();
        Object.assign(job, { status: "completed", stage: "done", progress: 1, updatedAt: now, completedAt: now });
        job.startedAt ??= now;
        tx.create(JobResultSchema, {
          id: randomUUID(),
          jobId: job.id,
          organizationId: job.organizationId,
          metrics: parsed.data.metrics,
          artifactBlobKey: parsed.data.artifact?.blobKey ?? null,
          artifactFileName: parsed.data.artifact?.fileName ?? null,
          notes: parsed.data.notes,
          createdAt: now,
        });
        return true;
      });
    },

    async recordFailure(jobId: string, message: string) {
      const em = fork();
      const job = await openJob(em, jobId);
      if (FINAL_STATUSES.has(job.status)) return false;
      const now = new Date();
      Object.assign(job, {
        status: "failed",
        errorMessage: message.slice(0, 10_000),
        updatedAt: now,
        completedAt: now,
      });
      await em.flush();
      return true;
    },

    /**
     * Marks a job that has not ended cancelled (one conditional update, so a result or failure recorded at
     * the same moment wins or loses whole); returns the job's status afterwards.
     */
    async recordCancellation(jobId: string): Promise<JobStatus> {
      const em = fork();
      const job = await openJob(em, jobId);
      if (FINAL_STATUSES.has(job.status)) return job.status;
      const now = new Date();
      await em.nativeUpdate(
        JobSchema,
        { id: job.id, status: { $nin: [...FINAL_STATUSES] as JobStatus[] } },
        { status: "cancelled", updatedAt: now, completedAt: now },
      );
      return (await fork().findOneOrFail(JobSchema, { id: job.id })).status;
    },
  };
}
export type JobRecorder = ReturnType<typeof createJobRecorder>;
