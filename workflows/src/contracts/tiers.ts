import { z } from "zod";

/** Subscription tiers and what each allows (the original specification's table, plus farm reservations). */

export const TIER_IDS = ["free", "basic", "pro", "enterprise"] as const;
export const TierId = z.enum(TIER_IDS);
export type TierId = z.infer<typeof TierId>;

export const Tier = z.object({
  id: TierId,
  name: z.string(),
  /** Optimizations an organization may start per calendar month; `null` is unlimited. */
  monthlyOptimizations: z.number().int().positive().nullable(),
  /** Largest model upload in bytes; `null` is unlimited. */
  maxModelBytes: z.number().int().positive().nullable(),
  /**
   * Most bytes a dataset's arrays may take once decompressed (.npy headers included): a .npz is checked against it
   * from its headers before it is read, at upload and by the worker, and its inflation is bounded by it.
   */
  maxDatasetInflatedBytes: z.number().int().positive(),
  /** Hardware-aware neural architecture search. */
  nas: z.boolean(),
  /** Farm priority: a busy board serves these jobs first. */
  farmPriority: z.boolean(),
  /** May reserve farm capacity (boards held for the organization). */
  farmReservations: z.boolean(),
  /** Only an operator may set this tier (no self-service upgrade to it). */
  operatorOnly: z.boolean(),
});
export type Tier = z.infer<typeof Tier>;

const MB = 1_000_000;

export const TIERS: Readonly<Record<TierId, Tier>> = Object.freeze({
  free: {
    id: "free",
    name: "Free",
    monthlyOptimizations: 5,
    maxModelBytes: 10 * MB,
    maxDatasetInflatedBytes: 100 * MB,
    nas: false,
    farmPriority: false,
    farmReservations: false,
    operatorOnly: false,
  },
  basic: {
    id: "basic",
    name: "Basic",
    monthlyOptimizations: 50,
    maxModelBytes: 100 * MB,
    maxDatasetInflatedBytes: 250 * MB,
    nas: false,
    farmPriority: false,
    farmReservations: false,
    operatorOnly: false,
  },
  pro: {
    id: "pro",
    name: "Pro",
    monthlyOptimizations: 200,
    maxModelBytes: 500 * MB,
    maxDatasetInflatedBytes: 500 * MB,
    nas: true,
    farmPriority: true,
    farmReservations: false,
    operatorOnly: false,
  },
  enterprise: {
    id: "enterprise",
    name: "Enterprise",
    monthlyOptimizations: null,
    maxModelBytes: null,
    maxDatasetInflatedBytes: 1000 * MB,
    nas: true,
    farmPriority: true,
    farmReservations: true,
    operatorOnly: true,
  },
});

export const tiers = (): Tier[] => TIER_IDS.map((id) => TIERS[id]);

/**
 * Farm scheduling priority of a tier's jobs (Temporal task priority: a lower key is served first).
 * Pro and Enterprise jobs are served before Free and Basic ones on a busy board.
 */
export const farmPriorityKey = (tier: TierId): number => (TIERS[tier].farmPriority ? 1 : 3);
