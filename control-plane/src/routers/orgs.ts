import { AddMemberInput, CreateOrganizationInput, RemoveMemberInput, SetRoleInput } from "../schemas/auth.js";
import { adminProcedure, authedProcedure, router } from "../trpc/init.js";

export const orgsRouter = router({
  mine: authedProcedure.query(({ ctx }) => ctx.services.organizations.mine(ctx.caller)),
  create: authedProcedure
    .input(CreateOrganizationInput)
    .mutation(({ ctx, input }) => ctx.services.organizations.create(ctx.caller, input)),
  members: authedProcedure.query(({ ctx }) => ctx.services.organizations.members(ctx.caller)),
  addMember: adminProcedure
    .input(AddMemberInput)
    .mutation(({ ctx, input }) => ctx.services.organizations.addMember(ctx.caller, input)),
  setRole: adminProcedure
    .input(SetRoleInput)
    .mutation(({ ctx, input }) => ctx.services.organizations.setRole(ctx.caller, input)),
  removeMember: authedProcedure.input(RemoveMemberInput).mutation(async ({ ctx, input }) => {
    await ctx.services.organizations.removeMember(ctx.caller, input);
    return { ok: true };
  }),
});
