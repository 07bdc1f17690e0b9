import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import {
  BYTES_PER_KB,
  formatKb,
  HARDWARE_TARGETS,
  JobSpec,
  type ModelFileFormat,
  optimizeModelWorkflowId,
  TIERS,
  type TierId,
} from "@tinyml/workflows/contracts";
import type { ZodError } from "zod";
import type { BlobStore } from "../blob/blob-store.js";
import {
  type Job,
  JobSchema,
  type Model,
  ModelSchema,
  type Organization,
  OrganizationSchema,
} from "../db/entities/index.js";
import { AppError, badRequest, notFound } from "../errors.js";
import type { Metrics } from "../metrics/metrics.js";
import { modelFormatProblem } from "../recognize/format-problem.js";
import type { Caller } from "./caller.js";
import { isUuid } from "./ids.js";
import { createJobCancellation } from "./job-cancellation.js";
import { followJob, type WatchOptions } from "./job-progress.js";
import { createJobRecorder } from "./job-recorder.js";
import { createJobResults } from "./job-results.js";
import { findJobOf, jobView } from "./job-view.js";
import { modelView } from "./model-service.js";
import { type Orchestrator, OrchestratorUnavailableError } from "./orchestrator.js";
import { findProjectOf } from "./project-service.js";
import { releaseQuota, secondsUntilNextMonth, takeQuota, usageMonth } from "./quota.js";
import type { StagedFile } from "./staged-upload.js";

/** Turns a zod failure into one sentence naming each bad field. */
function specProblem(error: ZodError): string {
  return `invalid job spec: ${error.issues.map((i) => `${i.path.join(".") || "spec"}: ${i.message}`).join("; ")}`;
}

export interface SubmitInput {
  projectId: string;
  spec: unknown;
  /** A model staged by this upload, or one uploaded before. */
  model: StagedFile | { modelId: string };
  dataset?: StagedFile | undefined;
}

interface SubmitDeps {
  orm: MikroORM;
  orchestrator: Orchestrator;
  metrics: Metrics;
}

/** The rows a submission writes (the job, and the model when it is a new upload) and the month it counts in. */
interface RecordedJob {
  job: Job;
  model: Model;
  newModel: boolean;
  month: string;
}

/**
 * The stages of a submission, in the order `submit` runs them: nothing is written before the spec, the tier
 * and the model are accepted, and nothing stays written when the workflow cannot be started.
 */
const SUBMIT_STAGES = {
  /** The spec, against the catalog and the organization's tier. */
  async admitSpec(em: EntityManager, caller: Caller, input: { spec: unknown }) {
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
    return { spec, org, tier };
  },

  /** The model: one uploaded before (found in the caller's organization) or this upload's, in a format the framework takes. */
  async admitModel(em: EntityManager, caller: Caller, model: SubmitInput["model"], spec: JobSpec) {
    if (!("modelId" in model)) {
      const problem = modelFormatProblem(model, spec.modelFramework);
      if (problem) throw new AppError("UNSUPPORTED_MODEL", problem);
      return null;
    }
    const existing = isUuid(model.modelId)
      ? await em.findOne(ModelSchema, { id: model.modelId, organizationId: caller.organizationId })
      : null;
    if (!existing) throw notFound(`model ${model.modelId}`);
    const problem = modelFormatProblem({ fileName: existing.fileName, format: existing.format }, spec.modelFramework);
    if (problem) throw new AppError("UNSUPPORTED_MODEL", problem);
    return existing;
  },

  /** One optimization from the monthly quota (atomically) and the model and job rows, in one transaction. */
  async recordJob(
    deps: SubmitDeps,
    em: EntityManager,
    request: { caller: Caller; projectId: string; org: Organization; spec: JobSpec; existingModel: Model | null },
    input: SubmitInput,
  ): Promise<RecordedJob> {
    const { caller, org, spec, existingModel } = request;
    const tier = TIERS[org.tier];
    const month = usageMonth();
    const now = new Date();
    const jobId = randomUUID();
    return em.transactional(async (tx) => {
      if (!(await takeQuota(tx, org.id, org.tier, month))) {
        deps.metrics.quotaRejections.inc({ tier: org.tier });
        throw new AppError(
          "QUOTA_EXCEEDED",
          `monthly quota used up: the ${tier.name} tier allows ${tier.monthlyOptimizations} optimizations a month and this organization has started them all in ${month}; upgrade the subscription or wait for next month`,
          { headers: { "Retry-After": String(secondsUntilNextMonth(now)) } },
        );
      }
      const staged = input.model as StagedFile;
      const model =
        existingModel ??
        tx.create(ModelSchema, {
          id: randomUUID(),
          organizationId: org.id,
          projectId: request.projectId,
          blobKey: staged.blobKey,
          fileName: staged.fileName,
          framework: spec.modelFramework,
          format: staged.format as ModelFileFormat,
          sizeBytes: staged.bytes,
          sha256: staged.sha256,
          createdAt: now,
        });
      const job = tx.create(JobSchema, {
        id: jobId,
        organizationId: org.id,
        projectId: request.projectId,
        modelId: model.id,
        spec,
        hardwareTarget: spec.hardwareTarget,
        tier: org.tier,
        status: "queued",
        stage: "submitted",
        progress: 0,
        workflowId: optimizeModelWorkflowId(jobId),
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
      return { job, model, newModel: existingModel === null, month };
    });
  },

  /**
   * Starts `optimizeModel` for the job. If the workflow cannot be started the job and new model rows are
   * removed and the quota given back (the caller removes the staged blobs).
   */
  async startWorkflow(deps: SubmitDeps, recorded: RecordedJob, org: { id: string; tier: TierId }) {
    const { job, model, month } = recorded;
    try {
      await deps.orchestrator.startOptimizeModel(job.id, job.workflowId, { tier: org.tier, organizationId: org.id });
    } catch (e) {
      await (deps.orm.em.fork() as EntityManager).transactional(async (tx) => {
        await tx.nativeDelete(JobSchema, { id: job.id });
        if (recorded.newModel) await tx.nativeDelete(ModelSchema, { id: model.id });
        await releaseQuota(tx, org.id, month);
      });
      if (e instanceof OrchestratorUnavailableError) {
        throw new AppError(
          "UNAVAILABLE",
          `the job was not started: ${e.message}. Nothing was stored and no quota was used; retry later`,
          { headers: { "Retry-After": "30" } },
        );
      }
      throw e;
    }
  },
};

/**
 * Job submission and reading. Submitting runs `SUBMIT_STAGES`: validates the spec against the catalog and
 * the tier and the model's format, takes one optimization from the monthly quota (atomically), writes model
 * and job rows, and starts `optimizeModel`; if the workflow cannot be started, nothing stays written.
 */
export function createJobService(deps: {
  orm: MikroORM;
  orchestrator: Orchestrator;
  blobStore: BlobStore;
  metrics: Metrics;
}) {
  const { orm, metrics } = deps;
  const fork = () => orm.em.fork() as EntityManager;

  async function submit(caller: Caller, input: SubmitInput) {
    const em = fork();
    const project = await findProjectOf(em, caller, input.projectId);
    const { spec, org } = await SUBMIT_STAGES.admitSpec(em, caller, input);
    const existingModel = await SUBMIT_STAGES.admitModel(em, caller, input.model, spec);
    const recorded = await SUBMIT_STAGES.recordJob(
      deps,
      em,
      { caller, projectId: project.id, org, spec, existingModel },
      input,
    );
    await SUBMIT_STAGES.startWorkflow(deps, recorded, org);
    metrics.jobsSubmitted.inc({ tier: org.tier, target: spec.hardwareTarget });
    return { ...jobView(recorded.job), model: modelView(recorded.model) };
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
    /**
     * Follows a job: checks at once that the caller may see it (404 otherwise, before anything streams), then
     * yields its view now and each time its status, stage, progress or message changes, until it reaches a
     * final status or `signal` aborts.
     */
    async watch(caller: Caller, id: string, options: WatchOptions = {}) {
      return followJob(orm, caller, jobView(await findJobOf(fork(), caller, id)), options);
    },
    cancel: createJobCancellation({ ...deps, recorder: createJobRecorder({ orm }) }),
    ...createJobResults(deps),
  };
}
