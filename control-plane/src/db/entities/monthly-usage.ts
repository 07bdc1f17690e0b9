import { EntitySchema } from "@mikro-orm/core";

/** Optimizations an organization started in one calendar month (UTC), taken atomically by the quota service. */
export interface MonthlyUsage {
  id: string;
  organizationId: string;
  /** `YYYY-MM` */
  month: string;
  optimizations: number;
}

export const MonthlyUsageSchema = new EntitySchema<MonthlyUsage>({
  name: "MonthlyUsage",
  tableName: "monthly_usage",
  uniques: [{ properties: ["organizationId", "month"] }],
  properties: {
    id: { type: "uuid", primary: true },
    organizationId: { type: "uuid" },
    month: { type: "string", length: 7 },
    optimizations: { type: "integer", default: 0 },
  },
});
