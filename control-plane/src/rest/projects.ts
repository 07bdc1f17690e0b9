import { z } from "zod";
import { AppError } from "../errors.js";
import { JobView, jobSpecFromForm, OptimizeForm } from "../schemas/jobs.js";
import { CreateProjectInput, ProjectView } from "../schemas/projects.js";
import type { Services } from "../services/index.js";
import { readMultipartForm } from "../upload/multipart-form.js";
import {
  defineRoute,
  errorAnswers,
  idParam,
  jsonAnswer,
  jsonRequest,
  restRouter,
  streamedRequest,
} from "./openapi-route.js";
import { callerOf } from "./request.js";

const createProject = defineRoute({
  method: "post",
  path: "/api/projects",
  summary: "Create a project",
  tag: "projects",
  auth: true,
  request: { body: jsonRequest(CreateProjectInput) },
  responses: { 201: jsonAnswer("the project", ProjectView), ...errorAnswers(400, 401, 429) },
});

const listProjects = defineRoute({
  method: "get",
  path: "/api/projects",
  summary: "List the organization's projects",
  tag: "projects",
  auth: true,
  responses: {
    200: jsonAnswer("projects, newest first", z.object({ projects: z.array(ProjectView) })),
    ...errorAnswers(401, 429),
  },
});

const getProject = defineRoute({
  method: "get",
  path: "/api/projects/{id}",
  summary: "Get a project",
  tag: "projects",
  auth: true,
  request: { params: idParam },
  responses: {
    200: jsonAnswer("the project with its model and job counts", ProjectView),
    ...errorAnswers(401, 404, 429),
  },
});

const listProjectJobs = defineRoute({
  method: "get",
  path: "/api/projects/{id}/jobs",
  summary: "List a project's jobs",
  tag: "jobs",
  auth: true,
  request: { params: idParam },
  responses: {
    200: jsonAnswer("jobs, newest first", z.object({ jobs: z.array(JobView) })),
    ...errorAnswers(401, 404, 429),
  },
});

const optimize = defineRoute({
  method: "post",
  path: "/api/projects/{id}/optimize",
  summary: "Start an optimization job (upload the model, streamed)",
  tag: "jobs",
  auth: true,
  request: { params: idParam, body: streamedRequest("multipart/form-data", OptimizeForm) },
  responses: {
    202: jsonAnswer("the job, started in the orchestrator", JobView.extend({ job_id: z.string() })),
    ...errorAnswers(400, 401, 403, 404, 413, 429, 503),
  },
});

/** The optimize form's fields, as its schema (and so the OpenAPI document) lists them: no other is taken. */
const OPTIMIZE_FORM_FIELDS = Object.keys(OptimizeForm.shape);

/** Projects and job submission of the public REST API. */
export const projectRoutes = (services: Services) =>
  restRouter()
    .openapi(createProject, async (c) => c.json(await services.projects.create(callerOf(c), c.req.valid("json")), 201))
    .openapi(listProjects, async (c) => c.json({ projects: await services.projects.list(callerOf(c)) }, 200))
    .openapi(getProject, async (c) => c.json(await services.projects.get(callerOf(c), c.req.valid("param").id), 200))
    .openapi(listProjectJobs, async (c) =>
      c.json({ jobs: await services.jobs.listForProject(callerOf(c), c.req.valid("param").id) }, 200),
    )
    .openapi(optimize, async (c) => {
      const caller = callerOf(c);
      const projectId = c.req.valid("param").id;
      const upload = await services.uploads.begin(caller, projectId);
      upload.checkDeclaredSize(Number(c.req.header("content-length") ?? Number.NaN));
      const form = await readMultipartForm(c.req.raw, upload.stage, {
        fieldNames: OPTIMIZE_FORM_FIELDS,
        maxBytes: upload.maxBodyBytes,
        tooLarge: upload.tooLarge,
        idleTimeoutMs: upload.idleTimeoutMs,
      });
      // The rest of the body was not read: the connection cannot carry another request after the answer.
      if (form.bodyLeftUnread) c.header("connection", "close");
      try {
        if (form.failure) throw form.failure;
        const model = form.files.find((f) => f.field === "model_file");
        if (!model) throw new AppError("BAD_REQUEST", "model_file is required: the trained model to optimize");
        const dataset = form.files.find((f) => f.field === "dataset_file");
        const job = await services.jobs.submit(caller, {
          projectId,
          spec: jobSpecFromForm(form.fields),
          model,
          dataset,
        });
        return c.json({ job_id: job.id, ...job }, 202);
      } catch (e) {
        await upload.discard(form.files);
        throw e;
      }
    });
