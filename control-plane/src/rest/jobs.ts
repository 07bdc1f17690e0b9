import { Readable } from "node:stream";
import { Hono } from "hono";
import type { AppEnv } from "../http/env.js";
import type { Services } from "../services/index.js";
import { callerOf } from "./request.js";

/** Job status, cancellation, results and the optimized model of the public REST API. */
export function jobRoutes(services: Services) {
  return new Hono<AppEnv>()
    .get("/api/jobs/:id", async (c) => c.json(await services.jobs.get(callerOf(c), c.req.param("id"))))
    .get("/api/jobs/:id/results", async (c) => c.json(await services.jobs.results(callerOf(c), c.req.param("id"))))
    .post("/api/jobs/:id/cancel", async (c) => c.json(await services.jobs.cancel(callerOf(c), c.req.param("id"))))
    .get("/api/jobs/:id/download", async (c) => {
      const { fileName, stream } = await services.jobs.download(callerOf(c), c.req.param("id"));
      return new Response(Readable.toWeb(stream) as ReadableStream, {
        headers: {
          "content-type": "application/octet-stream",
          "content-disposition": `attachment; filename="${fileName.replace(/["\\\r\n]/g, "_")}"`,
        },
      });
    });
}
