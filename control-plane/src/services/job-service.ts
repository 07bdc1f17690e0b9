import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import {
  BYTES_PER_KB,
  formatKb,
  HARDWARE_TARGETS,
  JobSpec,
  jobArtifactPrefix,
  type ModelFileFormat,
  optimizeModelWorkflowId,
  TIERS,
} from "@tinyml/workflows/contracts";
import type { ZodError } from "zod";
import type { BlobStore } from "../blob/blob-store.js";
import {
  type Job,
  JobResultSchema,
  JobSchema,
  type Model,
  ModelSchema,
  OrganizationSchema,
} from "../db/entities/index.js";
import { AppError, badRequest, notFound } from "../errors.js";
import type { Metrics } from "../metrics/metrics.js";
import { modelFormatProblem } from "../recognize/format-problem.js";
import type { Caller } from "./caller.js";
import { isUuid } from "./ids.js";
import { createJobRecorder } from "./job-recorder.js";
import { modelView } from "./model-service.js";
import { type Orchestrator, OrchestratorUnavailableError } from "./orchestrator.js";
import { findProjectOf } from "./project-service.js";
import { releaseQuota, secondsUntilNextMonth, takeQuota, usageMonth } from "./quota.js";
import type { StagedFile } from "./staged-upload.js";

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

const FINAL_STATUSES: ReadonlySet<string> = new Set(["completed", "failed", "cancelled"]);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      done();
    });
  });

/** Turns a zod failure into one sentence naming each bad field. */
function specProblem(error: ZodError): string {
  return `invalid job spec: ${error.issues.map((i) => `${i.path.join(".") || "spec"}: ${i.message}`).join("; ")}`;
}

/**
 * Job submission and reading. Submitting validates the spec against the catalog and the tier, takes one
 * optimization from the monthly quota (atomically), writes model and job rows, and starts `optimizeModel`.
 * If the workflow cannot be started the job and model rows are removed and the quota given back.
 */
export function createJobService(deps: {
  orm: MikroORM;
  orchestrator: Orchestrator;
  blobStore: BlobStore;
  metrics: Metrics;
}) {
  const { orm, orchestrator, metrics } = deps;
  const recorder = createJobRecorder({ orm });
  const fork = () => orm.em.fork() as EntityManager;

  async function findJobOf(em: EntityManager, caller: Caller, id: string): Promise<Job> {
    const job = isUuid(id) ? await em.findOne(JobSchema, { id, organizationId: caller.organizationId }) : null;
    if (!job) throw notFound(`job ${id}`);
    return job;
  }

  async function submit(
    caller: Caller,
    input: {
      projectId: string;
      spec: unknown;
      model: StagedFile | { modelId: string };
      dataset?: StagedFile | undefined;
    },
  ) {
    const em = fork();
    const project = await findProjectOf(em, caller, input.projectId);
    const parsed = JobSpec.safeParse(input.spec);
    if (!parsed.success) throw badRequest(specProblem(parsed.error));
    const spec = parsed.data;
    const org = await em.findOneOrFail(OrganizationSchema, { id: caller.organizationId });
    const tier = TIERS[org.tier];
    const target = HARDWARE_TARGETS[spec.hardwareTarget];
    if (spec.targetSizeBytes > target.flashBytes) {
      throw badRequest(
        `target_size_kb ${spec.targetSizeBytes / BYTES_PER_KB} (${spec.targetSizeBytes} bytes) is more than the flash of ${target.name} (${target.flashBytes} bytes, ${formatKb(target.flashBytes)}): ask for a size that fits the target`,
      );
    }
    if (spec.enableNas && !tier.nas) {
      throw new AppError(
        "FORBIDDEN",
        `architecture search (enable_nas) needs the Pro or Enterprise tier; this organization is on ${tier.name}`,
      );
    }

    let existingModel: Model | null = null;
    if ("modelId" in input.model) {
      existingModel = isUuid(input.model.modelId)
        ? await em.findOne(ModelSchema, { id: input.model.modelId, organizationId: caller.organizationId })
        : null;
      if (!existingModel) throw notFound(`model ${input.model.modelId}`);
      const problem = modelFormatProblem(
        { fileName: existingModel.fileName, format: existingModel.format },
        spec.modelFramework,
      );
      if (problem) throw new AppError("UNSUPPORTED_MODEL", problem);
    } else {
      const problem = modelFormatProblem(input.model, spec.modelFramework);
      if (problem) throw new AppError("UNSUPPORTED_MODEL", problem);
    }

    const month = usageMonth();
    const jobId = randomUUID();
    const workflowId = optimizeModelWorkflowId(jobId);
    const now = new Date();
    const { job, model } = await em.transactional(async (tx) => {
      if (!(await takeQuota(tx, org.id, org.tier, month))) {
        metrics.quotaRejections.inc({ tier: org.tier });
        throw new AppError(
          "QUOTA_EXCEEDED",
          `monthly quota used up: the ${tier.name} tier allows ${tier.monthlyOptimizations} optimizations a month and this organization has started them all in ${month}; upgrade the subscription or wait for next month`,
          { "Retry-After": String(secondsUntilNextMonth(now)) },
        );
      }
      const model =
        existingModel ??
        tx.create(ModelSchema, {
          id: randomUUID(),
          organizationId: org.id,
          projectId: project.id,
          blobKey: (input.model as StagedFile).blobKey,
          fileName: (input.model as StagedFile).fileName,
          framework: spec.modelFramework,
          format: (input.model as StagedFile).format as ModelFileFormat,
          sizeBytes: (input.model as StagedFile).bytes,
          sha256: (input.model as StagedFile).sha256,
          createdAt: now,
        });
      const job = tx.create(JobSchema, {
        id: jobId,
        organizationId: org.id,
        projectId: project.id,
        modelId: model.id,
        spec,
        hardwareTarget: spec.hardwareTarget,
        tier: org.tier,
        status: "queued",
        stage: "submitted",
        progress: 0,
        workflowId,
        datasetBlobKey: input.dataset?.blobKey ?? null,
        datasetFileName: input.dataset?.fileName.slice(0, 300) ?? null,
        datasetBytes: input.dataset?.bytes ?? null,
        datasetSha256: input.dataset?.sha256 ?? null,
        errorMessage: null,
        createdBy: caller.userId,
        createdAt: now,
        updatedAt: now,
        startedAt: null,
        completedAt: null,
      });
      return { job, model };
    });

    try {
      await orchestrator.startOptimizeModel(job.id, workflowId, { tier: org.tier, organizationId: org.id });
    } catch (e) {
      // Undo: no job, no new model row, quota given back. The caller removes the staged blobs.
      await fork().transactional(async (tx) => {
        await tx.nativeDelete(JobSchema, { id: job.id });
        if (!existingModel) await tx.nativeDelete(ModelSchema, { id: model.id });
        await releaseQuota(tx, org.id, month);
      });
      if (e instanceof OrchestratorUnavailableError) {
        throw new AppError(
          "UNAVAILABLE",
          `the job was not started: ${e.message}. Nothing was stored and no quota was used; retry later`,
          {
            "Retry-After": "30",
          },
        );
      }
      throw e;
    }
    metrics.jobsSubmitted.inc({ tier: org.tier, target: spec.hardwareTarget });
    return { ...jobView(job), model: modelView(model) };
  }

  async function* follow(
    caller: Caller,
    first: JobView,
    options: { intervalMs?: number; signal?: AbortSignal | undefined },
  ): AsyncGenerator<JobView> {
    const interval = options.intervalMs ?? 1000;
    let last = "";
    let job = first;
    while (!options.signal?.aborted) {
      const key = `${job.status}/${job.stage}/${job.progress}/${job.message ?? ""}`;
      if (key !== last) {
        last = key;
        yield job;
      }
      if (FINAL_STATUSES.has(job.status)) return;
      await sleep(interval, options.signal);
      if (options.signal?.aborted) return;
      job = jobView(await findJobOf(fork(), caller, first.id));
    }
  }

  /**
   * Cancels a queued or running job: asks Temporal to cancel its workflow (whose cleanup activity removes the
   * job's artifacts) and marks the job `cancelled` at once. A job that has ended is a 409; when Temporal cannot
   * be reached nothing changes (503). The optimization stays counted: quota counts optimizations started.
   */
  async function cancel(caller: Caller, id: string) {
    const em = fork();
    const job = await findJobOf(em, caller, id);
    const ended = (status: string) =>
      new AppError(
        "CONFLICT",
        `job ${job.id} has already ${status === "cancelled" ? "been cancelled" : status}: only a queued or running job can be cancelled`,
      );
    if (FINAL_STATUSES.has(job.status)) throw ended(job.status);
    let outcome: "requested" | "not-running";
    try {
      outcome = await orchestrator.cancelWorkflow(job.workflowId);
    } catch (e) {
      if (e instanceof OrchestratorUnavailableError) {
        throw new AppError("UNAVAILABLE", `job ${job.id} was not cancelled: ${e.message}; retry later`, {
          "Retry-After": "30",
        });
      }
      throw e;
    }
    const status = await recorder.recordCancellation(job.id);
    if (status !== "cancelled") throw ended(status);
    // No workflow left to run the cleanup (never started, or gone): remove the artifacts here.
    if (outcome === "not-running") {
      for (const key of await deps.blobStore.list(jobArtifactPrefix(job.id))) await deps.blobStore.delete(key);
    }
    metrics.jobsCancelled.inc({ tier: job.tier });
    return jobView(await findJobOf(fork(), caller, job.id));
  }

  return {
    submit,
    async get(caller: Caller, id: string) {
      return jobView(await findJobOf(fork(), caller, id));
    },
    async listForProject(caller: Caller, projectId: string) {
      const em = fork();
      const project = await findProjectOf(em, caller, projectId);
      return (await em.find(JobSchema, { projectId: project.id }, { orderBy: { createdAt: "desc" } })).map(jobView);
    },
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
    /**
     * Follows a job: checks at once that the caller may see it (404 otherwise, before anything streams), then
     * yields its view now and each time its status, stage, progress or message changes (the rows the
     * control-plane activities write), until it reaches a final status or `signal` aborts.
     */
    async watch(caller: Caller, id: string, options: { intervalMs?: number; signal?: AbortSignal | undefined } = {}) {
      const first = jobView(await findJobOf(fork(), caller, id));
      return follow(caller, first, options);
    },
    cancel,
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
export type JobService = ReturnType<typeof createJobService>;
