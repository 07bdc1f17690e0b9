import { CreateApiKeyInput, RevokeApiKeyInput } from "../schemas/auth.js";
import { authedProcedure, router } from "../trpc/init.js";

export const apiKeysRouter = router({
  /** The answer's `key` is the only time the whole key is shown. */
  create: authedProcedure
    .input(CreateApiKeyInput)
    .mutation(({ ctx, input }) => ctx.services.apiKeys.create(ctx.caller, input)),
  list: authedProcedure.query(({ ctx }) => ctx.services.apiKeys.list(ctx.caller)),
  revoke: authedProcedure
    .input(RevokeApiKeyInput)
    .mutation(({ ctx, input }) => ctx.services.apiKeys.revoke(ctx.caller, input)),
});
