import { EntitySchema } from "@mikro-orm/core";
import type { TierId } from "@tinyml/workflows/contracts";

export interface Organization {
  id: string;
  name: string;
  tier: TierId;
  /** The organization made for a user at signup. */
  personal: boolean;
  createdAt: Date;
}

export const OrganizationSchema = new EntitySchema<Organization>({
  name: "Organization",
  tableName: "organizations",
  properties: {
    id: { type: "uuid", primary: true },
    name: { type: "string", length: 200 },
    tier: { type: "string", length: 20 },
    personal: { type: "boolean", default: false },
    createdAt: { type: "datetime" },
  },
});
