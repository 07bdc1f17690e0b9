import { JobSpec } from "@tinyml/workflows/contracts";
import { z } from "zod";
import { authedProcedure, router } from "../trpc/init.js";

export const jobsRouter = router({
  /** Optimizes a model uploaded before (through the REST optimize route) again, with another spec. */
  submit: authedProcedure
    .input(z.object({ projectId: z.string(), modelId: z.string(), spec: JobSpec }))
    .mutation(({ ctx, input }) =>
      ctx.services.jobs.submit(ctx.caller, {
        projectId: input.projectId,
        spec: input.spec,
        model: { modelId: input.modelId },
      }),
    ),
  get: authedProcedure
    .input(z.object({ id: z.string() }))
    .query(({ ctx, input }) => ctx.services.jobs.get(ctx.caller, input.id)),
  list: authedProcedure
    .input(z.object({ projectId: z.string() }))
    .query(({ ctx, input }) => ctx.services.jobs.listForProject(ctx.caller, input.projectId)),
  results: authedProcedure
    .input(z.object({ id: z.string() }))
    .query(({ ctx, input }) => ctx.services.jobs.results(ctx.caller, input.id)),
});
