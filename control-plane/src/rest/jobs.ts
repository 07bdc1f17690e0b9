import { Readable } from "node:stream";
import { JobResults, JobView } from "../schemas/jobs.js";
import type { Services } from "../services/index.js";
import { defineRoute, errorAnswers, idParam, jsonAnswer, restRouter } from "./openapi-route.js";
import { callerOf } from "./request.js";

const getJob = defineRoute({
  method: "get",
  path: "/api/jobs/{id}",
  summary: "Get job status",
  tag: "jobs",
  auth: true,
  request: { params: idParam },
  responses: { 200: jsonAnswer("status, stage and progress", JobView), ...errorAnswers(401, 404, 429) },
});

const cancelJob = defineRoute({
  method: "post",
  path: "/api/jobs/{id}/cancel",
  summary: "Cancel a queued or running job (its artifacts are removed; the optimization stays counted in the quota)",
  tag: "jobs",
  auth: true,
  request: { params: idParam },
  responses: { 200: jsonAnswer("the job, now cancelled", JobView), ...errorAnswers(401, 404, 409, 429, 503) },
});

const getResults = defineRoute({
  method: "get",
  path: "/api/jobs/{id}/results",
  summary: "Get optimization results",
  tag: "jobs",
  auth: true,
  request: { params: idParam },
  responses: {
    200: jsonAnswer("figures, each with its source (measured, emulated, estimated)", JobResults),
    ...errorAnswers(401, 404, 409, 429),
  },
});

const download = defineRoute({
  method: "get",
  path: "/api/jobs/{id}/download",
  summary: "Download the optimized model",
  tag: "jobs",
  auth: true,
  request: { params: idParam },
  responses: {
    200: {
      description: "the optimized model file",
      content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
    },
    ...errorAnswers(401, 404, 409, 429),
  },
});

/** Job status, cancellation, results and the optimized model of the public REST API. */
export const jobRoutes = (services: Services) =>
  restRouter()
    .openapi(getJob, async (c) => c.json(await services.jobs.get(callerOf(c), c.req.valid("param").id), 200))
    .openapi(getResults, async (c) => c.json(await services.jobs.results(callerOf(c), c.req.valid("param").id), 200))
    .openapi(cancelJob, async (c) => c.json(await services.jobs.cancel(callerOf(c), c.req.valid("param").id), 200))
    .openapi(download, async (c) => {
      const { fileName, stream } = await services.jobs.download(callerOf(c), c.req.valid("param").id);
      return new Response(Readable.toWeb(stream) as ReadableStream, {
        headers: {
          "content-type": "application/octet-stream",
          "content-disposition": `attachment; filename="${fileName.replace(/["\\\r\n]/g, "_")}"`,
        },
      });
    });
