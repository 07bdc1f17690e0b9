import { HardwareTarget, ModelFramework, Tier } from "@tinyml/workflows/contracts";
import { z } from "zod";
import { ErrorBody } from "../schemas/common.js";
import { FarmBoardView } from "../schemas/farm.js";
import { JobResults, JobView, OptimizeForm } from "../schemas/jobs.js";
import { CreateProjectInput, ProjectView } from "../schemas/projects.js";
import { StatsView, SubscriptionView, UpgradeInput } from "../schemas/subscription.js";

/** One operation of the public REST API, described with the same zod schemas its handler validates with. */
export interface RestRoute {
  method: "get" | "post";
  /** OpenAPI path template (`{id}`); the Hono route is the same with `:id`. */
  path: string;
  summary: string;
  tag: string;
  /** Needs `Authorization: Bearer <API key | access token>`. */
  auth: boolean;
  body?: { contentType: "application/json" | "multipart/form-data"; schema: z.ZodType };
  success: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  errors: number[];
}

const Info = z.object({ name: z.string(), version: z.string(), endpoints: z.array(z.string()) });
const Health = z.object({ status: z.literal("ok") });

/** The public REST API of the original specification (plus the tiers catalog and project jobs). */
export const REST_ROUTES: RestRoute[] = [
  {
    method: "get",
    path: "/",
    summary: "API information",
    tag: "core",
    auth: false,
    success: { status: 200, description: "name, version, endpoints", schema: Info },
    errors: [],
  },
  {
    method: "get",
    path: "/health",
    summary: "Health check",
    tag: "core",
    auth: false,
    success: { status: 200, description: "the service answers", schema: Health },
    errors: [],
  },
  {
    method: "get",
    path: "/api/docs",
    summary: "API documentation (this document as JSON, or a browsable page for text/html)",
    tag: "core",
    auth: false,
    success: { status: 200, description: "OpenAPI 3.1 document" },
    errors: [],
  },
  {
    method: "get",
    path: "/api/docs/openapi.json",
    summary: "This OpenAPI document as JSON",
    tag: "core",
    auth: false,
    success: { status: 200, description: "OpenAPI 3.1 document" },
    errors: [],
  },
  {
    method: "post",
    path: "/api/projects",
    summary: "Create a project",
    tag: "projects",
    auth: true,
    body: { contentType: "application/json", schema: CreateProjectInput },
    success: { status: 201, description: "the project", schema: ProjectView },
    errors: [400, 401, 429],
  },
  {
    method: "get",
    path: "/api/projects",
    summary: "List the organization's projects",
    tag: "projects",
    auth: true,
    success: {
      status: 200,
      description: "projects, newest first",
      schema: z.object({ projects: z.array(ProjectView) }),
    },
    errors: [401, 429],
  },
  {
    method: "get",
    path: "/api/projects/{id}",
    summary: "Get a project",
    tag: "projects",
    auth: true,
    success: { status: 200, description: "the project with its model and job counts", schema: ProjectView },
    errors: [401, 404, 429],
  },
  {
    method: "get",
    path: "/api/projects/{id}/jobs",
    summary: "List a project's jobs",
    tag: "jobs",
    auth: true,
    success: { status: 200, description: "jobs, newest first", schema: z.object({ jobs: z.array(JobView) }) },
    errors: [401, 404, 429],
  },
  {
    method: "post",
    path: "/api/projects/{id}/optimize",
    summary: "Start an optimization job (upload the model, streamed)",
    tag: "jobs",
    auth: true,
    body: { contentType: "multipart/form-data", schema: OptimizeForm },
    success: {
      status: 202,
      description: "the job, started in the orchestrator",
      schema: JobView.extend({ job_id: z.string() }),
    },
    errors: [400, 401, 403, 404, 413, 429, 503],
  },
  {
    method: "get",
    path: "/api/jobs/{id}",
    summary: "Get job status",
    tag: "jobs",
    auth: true,
    success: { status: 200, description: "status, stage and progress", schema: JobView },
    errors: [401, 404, 429],
  },
  {
    method: "post",
    path: "/api/jobs/{id}/cancel",
    summary: "Cancel a queued or running job (its artifacts are removed; the optimization stays counted in the quota)",
    tag: "jobs",
    auth: true,
    success: { status: 200, description: "the job, now cancelled", schema: JobView },
    errors: [401, 404, 409, 429, 503],
  },
  {
    method: "get",
    path: "/api/jobs/{id}/results",
    summary: "Get optimization results",
    tag: "jobs",
    auth: true,
    success: {
      status: 200,
      description: "figures, each with its source (measured, emulated, estimated)",
      schema: JobResults,
    },
    errors: [401, 404, 409, 429],
  },
  {
    method: "get",
    path: "/api/jobs/{id}/download",
    summary: "Download the optimized model",
    tag: "jobs",
    auth: true,
    success: { status: 200, description: "the optimized model file", contentType: "application/octet-stream" },
    errors: [401, 404, 409, 429],
  },
  {
    method: "get",
    path: "/api/farm/boards",
    summary: "Boards of the hardware farm and what they are doing",
    tag: "farm",
    auth: true,
    success: {
      status: 200,
      description: "every board the farm hosts reported, offline when not seen recently",
      schema: z.object({ boards: z.array(FarmBoardView) }),
    },
    errors: [401, 429],
  },
  {
    method: "get",
    path: "/api/hardware-targets",
    summary: "List supported hardware",
    tag: "catalog",
    auth: false,
    success: {
      status: 200,
      description: "the hardware target catalog",
      schema: z.object({ hardware_targets: z.array(HardwareTarget) }),
    },
    errors: [],
  },
  {
    method: "get",
    path: "/api/model-frameworks",
    summary: "List supported frameworks",
    tag: "catalog",
    auth: false,
    success: {
      status: 200,
      description: "frameworks and the file formats each takes",
      schema: z.object({ model_frameworks: z.array(ModelFramework) }),
    },
    errors: [],
  },
  {
    method: "get",
    path: "/api/tiers",
    summary: "List subscription tiers",
    tag: "catalog",
    auth: false,
    success: { status: 200, description: "tiers and their limits", schema: z.object({ tiers: z.array(Tier) }) },
    errors: [],
  },
  {
    method: "get",
    path: "/api/subscription",
    summary: "Get subscription info",
    tag: "subscription",
    auth: true,
    success: { status: 200, description: "tier, limits and this month's usage", schema: SubscriptionView },
    errors: [401, 429],
  },
  {
    method: "post",
    path: "/api/subscription/upgrade",
    summary: "Upgrade subscription (admins; Enterprise by an operator)",
    tag: "subscription",
    auth: true,
    body: { contentType: "application/json", schema: UpgradeInput },
    success: { status: 200, description: "the new subscription", schema: SubscriptionView },
    errors: [400, 401, 403, 429],
  },
  {
    method: "get",
    path: "/api/stats",
    summary: "Statistics of the organization",
    tag: "stats",
    auth: true,
    success: { status: 200, description: "projects, models, jobs by status and target, usage", schema: StatsView },
    errors: [401, 429],
  },
];

export const ERROR_SCHEMA = ErrorBody;
