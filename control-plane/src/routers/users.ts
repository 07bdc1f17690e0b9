import { ProfileUpdateInput, SetOperatorInput } from "../schemas/auth.js";
import { authedProcedure, operatorProcedure, router } from "../trpc/init.js";

export const usersRouter = router({
  me: authedProcedure.query(({ ctx }) => ctx.services.users.me(ctx.caller)),
  updateProfile: authedProcedure
    .input(ProfileUpdateInput)
    .mutation(({ ctx, input }) => ctx.services.users.updateProfile(ctx.caller, input)),
  /** Mails a new verification token to the caller's address (one is mailed at sign-up and on e-mail change). */
  requestEmailVerification: authedProcedure.mutation(({ ctx }) =>
    ctx.services.users.requestEmailVerification(ctx.caller),
  ),
  /** Operators grant or revoke operator rights, to verified accounts only; audited. */
  setOperator: operatorProcedure
    .input(SetOperatorInput)
    .mutation(({ ctx, input }) => ctx.services.operators.setOperator(ctx.caller, input)),
});
