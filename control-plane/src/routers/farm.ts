import { authedProcedure, router } from "../trpc/init.js";

export const farmRouter = router({
  /** Every board of the hardware farm; job ids are shown only for the caller's organization's jobs. */
  boards: authedProcedure.query(({ ctx }) => ctx.services.farm.boards(ctx.caller)),
});
