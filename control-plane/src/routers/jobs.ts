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
  /** Status, stage and progress as they change, until the job ends (server-sent events over HTTP). */
  progress: authedProcedure
    .input(z.object({ id: z.string(), intervalMs: z.number().int().min(100).max(60_000).optional() }))
    .subscription(async function* ({ ctx, input, signal }) {
      yield* ctx.services.jobs.watch(ctx.caller, input.id, { intervalMs: input.intervalMs, signal });
    }),
  results: authedProcedure
    .input(z.object({ id: z.string() }))
    .query(({ ctx, input }) => ctx.services.jobs.results(ctx.caller, input.id)),
});
