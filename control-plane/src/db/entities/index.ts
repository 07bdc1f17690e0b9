import { ApiKeySchema } from "./api-key.js";
import { AuditEventSchema } from "./audit-event.js";
import { EmailVerificationTokenSchema } from "./email-verification-token.js";
import { FarmBoardSchema } from "./farm-board.js";
import { JobSchema } from "./job.js";
import { JobResultSchema } from "./job-result.js";
import { MembershipSchema } from "./membership.js";
import { ModelSchema } from "./model.js";
import { MonthlyUsageSchema } from "./monthly-usage.js";
import { OrganizationSchema } from "./organization.js";
import { OutboxMessageSchema } from "./outbox-message.js";
import { PasswordResetTokenSchema } from "./password-reset-token.js";
import { ProjectSchema } from "./project.js";
import { RefreshTokenSchema } from "./refresh-token.js";
import { UserSchema } from "./user.js";

export type { ApiKey } from "./api-key.js";
export type { FarmBoard } from "./farm-board.js";
export type { Job } from "./job.js";
export { ROLES, type Role } from "./membership.js";
export type { Model } from "./model.js";
export type { Organization } from "./organization.js";
export type { OutboxMessage } from "./outbox-message.js";
export type { Project } from "./project.js";
export type { User } from "./user.js";

export const ENTITIES = [
  UserSchema,
  OrganizationSchema,
  MembershipSchema,
  ApiKeySchema,
  RefreshTokenSchema,
  ProjectSchema,
  ModelSchema,
  JobSchema,
  JobResultSchema,
  MonthlyUsageSchema,
  AuditEventSchema,
  PasswordResetTokenSchema,
  OutboxMessageSchema,
  FarmBoardSchema,
  EmailVerificationTokenSchema,
];

export {
  ApiKeySchema,
  AuditEventSchema,
  EmailVerificationTokenSchema,
  FarmBoardSchema,
  JobResultSchema,
  JobSchema,
  MembershipSchema,
  ModelSchema,
  OrganizationSchema,
  OutboxMessageSchema,
  PasswordResetTokenSchema,
  ProjectSchema,
  RefreshTokenSchema,
  UserSchema,
};
