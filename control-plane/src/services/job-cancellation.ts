import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { jobArtifactPrefix } from "@tinyml/workflows/contracts";
import type { BlobStore } from "../blob/blob-store.js";
import { AppError } from "../errors.js";
import type { Metrics } from "../metrics/metrics.js";
import type { Caller } from "./caller.js";
import type { JobRecorder } from "./job-recorder.js";
import { FINAL_STATUSES, findJobOf, jobView } from "./job-view.js";
import { type Orchestrator, OrchestratorUnavailableError } from "./orchestrator.js";

/**
 * Cancels a queued or running job: asks Temporal to cancel its workflow (whose cleanup activity removes the
 * job's artifacts) and marks the job `cancelled` at once. A job that has ended is a 409; when Temporal cannot
 * be reached nothing changes (503). The optimization stays counted: quota counts optimizations started.
 */
export function createJobCancellation(deps: {
  orm: MikroORM;
  orchestrator: Orchestrator;
  blobStore: BlobStore;
  metrics: Metrics;
  recorder: JobRecorder;
}) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return async function cancel(caller: Caller, id: string) {
    const job = await findJobOf(fork(), caller, id);
    const ended = (status: string) =>
      new AppError(
        "CONFLICT",
        `job ${job.id} has already ${status === "cancelled" ? "been cancelled" : status}: only a queued or running job can be cancelled`,
      );
    if (FINAL_STATUSES.has(job.status)) throw ended(job.status);
    let outcome: "requested" | "not-running";
    try {
      outcome = await deps.orchestrator.cancelWorkflow(job.workflowId);
    } catch (e) {
      if (e instanceof OrchestratorUnavailableError) {
        throw new AppError("UNAVAILABLE", `job ${job.id} was not cancelled: ${e.message}; retry later`, {
          headers: { "Retry-After": "30" },
        });
      }
      throw e;
    }
    const status = await deps.recorder.recordCancellation(job.id);
    if (status !== "cancelled") throw ended(status);
    // No workflow left to run the cleanup (never started, or gone): remove the artifacts here.
    if (outcome === "not-running") {
      for (const key of await deps.blobStore.list(jobArtifactPrefix(job.id))) await deps.blobStore.delete(key);
    }
    deps.metrics.jobsCancelled.inc({ tier: job.tier });
    return jobView(await findJobOf(fork(), caller, job.id));
  };
}
