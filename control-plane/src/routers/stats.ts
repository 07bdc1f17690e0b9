import { authedProcedure, router } from "../trpc/init.js";

export const statsRouter = router({
  get: authedProcedure.query(({ ctx }) => ctx.services.stats.forOrganization(ctx.caller)),
});
