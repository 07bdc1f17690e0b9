import { z } from "zod";
import { authedProcedure, router } from "../trpc/init.js";

export const modelsRouter = router({
  list: authedProcedure
    .input(z.object({ projectId: z.string() }))
    .query(({ ctx, input }) => ctx.services.models.listForProject(ctx.caller, input.projectId)),
  get: authedProcedure
    .input(z.object({ id: z.string() }))
    .query(({ ctx, input }) => ctx.services.models.get(ctx.caller, input.id)),
});
