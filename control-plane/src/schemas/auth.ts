import { z } from "zod";
import { ROLES } from "../db/entities/index.js";

const Email = z.email().max(320);
const Password = z.string().min(10, "use at least 10 characters").max(1024);

export const SignupInput = z.object({ email: Email, password: Password, name: z.string().trim().min(1).max(200) });
export const LoginInput = z.object({
  email: Email,
  password: z.string().min(1).max(1024),
  organizationId: z.uuid().optional(),
});
export const RefreshInput = z.object({ refreshToken: z.string().min(1).max(200), organizationId: z.uuid().optional() });
export const PasswordResetRequestInput = z.object({ email: Email });
export const VerifyEmailInput = z.object({ token: z.string().min(1).max(200) });
export const SetOperatorInput = z.object({ email: Email, isOperator: z.boolean() });
export const PasswordResetInput = z.object({ token: z.string().min(1).max(200), newPassword: Password });
export const ProfileUpdateInput = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    email: Email.optional(),
    newPassword: Password.optional(),
    currentPassword: z.string().max(1024).optional(),
  })
  .refine((v) => v.name !== undefined || v.email !== undefined || v.newPassword !== undefined, "nothing to change");

const Role = z.enum(ROLES);
export const AddMemberInput = z.object({ email: Email, role: Role.default("member") });
export const SetRoleInput = z.object({ userId: z.uuid(), role: Role });
export const RemoveMemberInput = z.object({ userId: z.uuid() });
export const CreateOrganizationInput = z.object({ name: z.string().trim().min(1).max(200) });
export const CreateApiKeyInput = z.object({ name: z.string().trim().min(1).max(200) });
export const RevokeApiKeyInput = z.object({ id: z.uuid() });
