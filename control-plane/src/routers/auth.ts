import {
  LoginInput,
  PasswordResetInput,
  PasswordResetRequestInput,
  RefreshInput,
  SignupInput,
  VerifyEmailInput,
} from "../schemas/auth.js";
import { publicProcedure, router } from "../trpc/init.js";

export const authRouter = router({
  signup: publicProcedure.input(SignupInput).mutation(({ ctx, input }) => ctx.services.auth.signup(input)),
  login: publicProcedure
    .input(LoginInput)
    .mutation(({ ctx, input }) => ctx.services.auth.login(input, { clientIp: ctx.clientIp })),
  refresh: publicProcedure
    .input(RefreshInput)
    .mutation(({ ctx, input }) => ctx.services.auth.refresh(input.refreshToken, input.organizationId)),
  logout: publicProcedure.input(RefreshInput.pick({ refreshToken: true })).mutation(async ({ ctx, input }) => {
    await ctx.services.auth.logout(input.refreshToken);
    return { ok: true };
  }),
  verifyEmail: publicProcedure
    .input(VerifyEmailInput)
    .mutation(({ ctx, input }) => ctx.services.auth.verifyEmail(input.token)),
  requestPasswordReset: publicProcedure.input(PasswordResetRequestInput).mutation(async ({ ctx, input }) => {
    await ctx.services.auth.requestPasswordReset(input.email);
    return { ok: true, message: "if an account exists for this e-mail, a reset message is on its way" };
  }),
  resetPassword: publicProcedure.input(PasswordResetInput).mutation(async ({ ctx, input }) => {
    await ctx.services.auth.resetPassword(input.token, input.newPassword);
    return { ok: true };
  }),
});
