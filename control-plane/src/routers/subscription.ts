import { UpgradeInput } from "../schemas/subscription.js";
import { adminProcedure, authedProcedure, router } from "../trpc/init.js";

export const subscriptionRouter = router({
  get: authedProcedure.query(({ ctx }) => ctx.services.subscription.get(ctx.caller)),
  upgrade: adminProcedure
    .input(UpgradeInput)
    .mutation(({ ctx, input }) => ctx.services.subscription.upgrade(ctx.caller, input)),
});
