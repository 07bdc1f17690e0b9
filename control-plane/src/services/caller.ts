import type { Role } from "../db/entities/index.js";
import { forbidden } from "../errors.js";

/** Who is calling, resolved once per request from an access token or an API key. */
export interface Caller {
  userId: string;
  organizationId: string;
  role: Role;
  isOperator: boolean;
  via: "access-token" | "api-key";
  apiKeyId?: string;
}

const RANK: Readonly<Record<Role, number>> = { member: 1, admin: 2, owner: 3 };

/** Refuses (403) a caller whose role in the organization is below `least`. */
export function requireRole(caller: Caller, least: Role, action: string): void {
  if (RANK[caller.role] < RANK[least]) {
    throw forbidden(`${action} needs the ${least} role in this organization (yours: ${caller.role})`);
  }
}

export const roleAtLeast = (role: Role, least: Role): boolean => RANK[role] >= RANK[least];
