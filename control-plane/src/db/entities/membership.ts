import { EntitySchema } from "@mikro-orm/core";

export const ROLES = ["owner", "admin", "member"] as const;
export type Role = (typeof ROLES)[number];

export interface Membership {
  id: string;
  organizationId: string;
  userId: string;
  role: Role;
  createdAt: Date;
}

export const MembershipSchema = new EntitySchema<Membership>({
  name: "Membership",
  tableName: "memberships",
  uniques: [{ properties: ["organizationId", "userId"] }],
  properties: {
    id: { type: "uuid", primary: true },
    organizationId: { type: "uuid", index: true },
    userId: { type: "uuid", index: true },
    role: { type: "string", length: 20 },
    createdAt: { type: "datetime" },
  },
});
