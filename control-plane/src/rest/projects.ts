import { TIERS } from "@tinyml/workflows/contracts";
import { Hono } from "hono";
import { OrganizationSchema } from "../db/entities/index.js";
import { AppError } from "../errors.js";
import type { AppEnv } from "../http/env.js";
import { jobSpecFromForm } from "../schemas/jobs.js";
import { CreateProjectInput } from "../schemas/projects.js";
import type { Services } from "../services/index.js";
import { stageUpload } from "../services/staged-upload.js";
import { readMultipartForm } from "../upload/multipart-form.js";
import { callerOf, jsonBody } from "./request.js";

/** Projects and job submission of the public REST API. */
export function projectRoutes(services: Services) {
  const { blobStore, metrics, orm } = services.deps;
  return new Hono<AppEnv>()
    .post("/api/projects", async (c) => {
      const input = await jsonBody(c, CreateProjectInput);
      return c.json(await services.projects.create(callerOf(c), input), 201);
    })
    .get("/api/projects", async (c) => c.json({ projects: await services.projects.list(callerOf(c)) }))
    .get("/api/projects/:id", async (c) => c.json(await services.projects.get(callerOf(c), c.req.param("id"))))
    .get("/api/projects/:id/jobs", async (c) =>
      c.json({ jobs: await services.jobs.listForProject(callerOf(c), c.req.param("id")) }),
    )
    .post("/api/projects/:id/optimize", async (c) => {
      const caller = callerOf(c);
      const projectId = c.req.param("id");
      await services.projects.get(caller, projectId); // 404 before reading the upload
      const org = await orm.em.fork().findOneOrFail(OrganizationSchema, { id: caller.organizationId });
      const tier = TIERS[org.tier];
      // A body may hold a model and a dataset, each up to the tier's limit, plus the form's fields: a larger
      // declared body is refused before reading it; an undeclared one (chunked) is read no further than that.
      const maxBodyBytes = tier.maxModelBytes === null ? null : 2 * tier.maxModelBytes + 1_000_000;
      const tooLarge = (size: string) =>
        new AppError(
          "PAYLOAD_TOO_LARGE",
          `the upload (${size}) is larger than the ${tier.name} tier allows (${(tier.maxModelBytes ?? 0) / 1_000_000} MB per file)`,
        );
      const declared = Number(c.req.header("content-length") ?? Number.NaN);
      if (maxBodyBytes !== null && declared > maxBodyBytes) throw tooLarge(`${declared} bytes`);
      const form = await readMultipartForm(
        c.req.raw,
        (field, fileName, stream) =>
          stageUpload({ blobStore, metrics, organizationId: caller.organizationId, tier, field, fileName, stream }),
        { maxBytes: maxBodyBytes, tooLarge: () => tooLarge(`more than ${maxBodyBytes} bytes`) },
      );
      // The rest of the body was not read: the connection cannot carry another request after the answer.
      if (form.bodyLeftUnread) c.header("connection", "close");
      const discard = () => Promise.all(form.files.map((f) => blobStore.delete(f.blobKey).catch(() => {})));
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
        await discard();
        throw e;
      }
    });
}
