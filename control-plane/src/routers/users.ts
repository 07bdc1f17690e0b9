import { ProfileUpdateInput } from "../schemas/auth.js";
import { authedProcedure, router } from "../trpc/init.js";

export const usersRouter = router({
  me: authedProcedure.query(({ ctx }) => ctx.services.users.me(ctx.caller)),
  updateProfile: authedProcedure
    .input(ProfileUpdateInput)
    .mutation(({ ctx, input }) => ctx.services.users.updateProfile(ctx.caller, input)),
});
