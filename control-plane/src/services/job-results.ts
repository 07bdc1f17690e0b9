import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import type { BlobStore } from "../blob/blob-store.js";
import { JobResultSchema } from "../db/entities/index.js";
import { AppError, notFound } from "../errors.js";
import type { Caller } from "./caller.js";
import { findJobOf } from "./job-view.js";

/** What a completed job produced: its figures and notes, and the optimized model's bytes (409 before then). */
export function createJobResults(deps: { orm: MikroORM; blobStore: BlobStore }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async results(caller: Caller, id: string) {
      const em = fork();
      const job = await findJobOf(em, caller, id);
      if (job.status !== "completed") {
        throw new AppError(
          "CONFLICT",
          `job ${job.id} is ${job.status} (stage ${job.stage}): results exist once it has completed`,
        );
      }
      const result = await em.findOne(JobResultSchema, { jobId: job.id });
      if (!result) throw notFound(`results of job ${job.id}`);
      return {
        job_id: job.id,
        status: job.status,
        metrics: result.metrics,
        artifact: result.artifactFileName ?? null,
        notes: result.notes ?? [],
        completed_at: job.completedAt?.toISOString() ?? null,
      };
    },
    /** The optimized model's file name and content stream. */
    async download(caller: Caller, id: string) {
      const em = fork();
      const job = await findJobOf(em, caller, id);
      if (job.status !== "completed") {
        throw new AppError(
          "CONFLICT",
          `job ${job.id} is ${job.status}: the optimized model can be downloaded once it has completed`,
        );
      }
      const result = await em.findOne(JobResultSchema, { jobId: job.id });
      if (!result?.artifactBlobKey) throw notFound(`optimized model of job ${job.id}`);
      return {
        fileName: result.artifactFileName ?? "model.bin",
        stream: await deps.blobStore.get(result.artifactBlobKey),
      };
    },
  };
}
