import { z } from "zod";
import { CreateProjectInput } from "../schemas/projects.js";
import { authedProcedure, router } from "../trpc/init.js";

export const projectsRouter = router({
  create: authedProcedure
    .input(CreateProjectInput)
    .mutation(({ ctx, input }) => ctx.services.projects.create(ctx.caller, input)),
  list: authedProcedure.query(({ ctx }) => ctx.services.projects.list(ctx.caller)),
  get: authedProcedure
    .input(z.object({ id: z.string() }))
    .query(({ ctx, input }) => ctx.services.projects.get(ctx.caller, input.id)),
});
