import { JobSpec } from "@tinyml/workflows/contracts";
import { z } from "zod";
import { authedProcedure, router, withTrpcErrors } from "../trpc/init.js";

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
  /**
   * Status, stage, progress and message as they change, until the job ends (server-sent events over HTTP).
   * Access is checked before the stream starts: another organization's job or an unknown id is a NOT_FOUND
   * error (404), not a failure inside the stream.
   */
  progress: authedProcedure
    .input(z.object({ id: z.string(), intervalMs: z.number().int().min(100).max(60_000).optional() }))
    .subscription(async ({ ctx, input, signal }) => {
      const updates = await ctx.services.jobs.watch(ctx.caller, input.id, { intervalMs: input.intervalMs, signal });
      return withTrpcErrors(updates);
    }),
  /** Cancels a queued or running job (CONFLICT once it has ended); the optimization stays counted in the quota. */
  cancel: authedProcedure
    .input(z.object({ id: z.string() }))
    .mutation(({ ctx, input }) => ctx.services.jobs.cancel(ctx.caller, input.id)),
  results: authedProcedure
    .input(z.object({ id: z.string() }))
    .query(({ ctx, input }) => ctx.services.jobs.results(ctx.caller, input.id)),
});
