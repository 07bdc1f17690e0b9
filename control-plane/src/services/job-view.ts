import type { EntityManager } from "@mikro-orm/knex";
import { type Job, JobSchema } from "../db/entities/index.js";
import { notFound } from "../errors.js";
import type { Caller } from "./caller.js";
import { isUuid } from "./ids.js";

export const jobView = (j: Job) => ({
  id: j.id,
  project_id: j.projectId,
  model_id: j.modelId,
  status: j.status,
  stage: j.stage,
  progress: j.progress,
  /** What the current stage is doing, in words (`null` until the workflow says). */
  message: j.progressMessage ?? null,
  hardware_target: j.hardwareTarget,
  tier: j.tier,
  spec: j.spec,
  workflow_id: j.workflowId,
  error: j.errorMessage ?? null,
  created_at: j.createdAt.toISOString(),
  started_at: j.startedAt?.toISOString() ?? null,
  completed_at: j.completedAt?.toISOString() ?? null,
});
export type JobView = ReturnType<typeof jobView>;

/** The statuses a job does not leave. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);

/** Looks a job up in the caller's organization only: another organization's job is "not found". */
export async function findJobOf(em: EntityManager, caller: Caller, id: string): Promise<Job> {
  const job = isUuid(id) ? await em.findOne(JobSchema, { id, organizationId: caller.organizationId }) : null;
  if (!job) throw notFound(`job ${id}`);
  return job;
}
