import { Tier, TierId } from "@tinyml/workflows/contracts";
import { z } from "zod";

export const UpgradeInput = z.object({ tier: TierId });

export const SubscriptionView = z.object({
  organization_id: z.string(),
  tier: TierId,
  limits: Tier,
  usage: z.object({ month: z.string(), optimizations: z.number().int(), remaining: z.number().int().nullable() }),
});

export const StatsView = z.object({
  organization_id: z.string(),
  projects: z.number().int(),
  models: z.number().int(),
  jobs: z.object({
    total: z.number().int(),
    by_status: z.record(z.string(), z.number().int()),
    by_target: z.record(z.string(), z.number().int()),
  }),
  usage: z.object({ month: z.string(), optimizations: z.number().int() }),
});
