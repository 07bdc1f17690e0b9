import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/knex";
import { TIERS, type TierId } from "@tinyml/workflows/contracts";

/** The calendar month (UTC) usage is counted in, `YYYY-MM`. */
export const usageMonth = (at: Date = new Date()): string => at.toISOString().slice(0, 7);

/** Seconds until the next month starts (when quota comes back). */
export function secondsUntilNextMonth(at: Date = new Date()): number {
  const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
  return Math.ceil((next - at.getTime()) / 1000);
}

/**
 * Takes one optimization from the organization's monthly quota, atomically: a single conditional UPDATE
 * (`… set optimizations = optimizations + 1 where … and optimizations < limit`) that the database serializes
 * on the usage row, so concurrent submissions can never take more than the limit. Returns whether it was taken.
 */
export async function takeQuota(em: EntityManager, organizationId: string, tier: TierId, month: string) {
  const limit = TIERS[tier].monthlyOptimizations;
  const connection = em.getConnection();
  await connection.execute(
    "insert into monthly_usage (id, organization_id, month, optimizations) values (?, ?, ?, 0) on conflict (organization_id, month) do nothing",
    [randomUUID(), organizationId, month],
    "run",
    em.getTransactionContext(),
  );
  const result = await connection.execute(
    limit === null
      ? "update monthly_usage set optimizations = optimizations + 1 where organization_id = ? and month = ?"
      : "update monthly_usage set optimizations = optimizations + 1 where organization_id = ? and month = ? and optimizations < ?",
    limit === null ? [organizationId, month] : [organizationId, month, limit],
    "run",
    em.getTransactionContext(),
  );
  return (result as unknown as { affectedRows: number }).affectedRows === 1;
}

/** Gives back one optimization (a job that could not be started). */
export async function releaseQuota(em: EntityManager, organizationId: string, month: string): Promise<void> {
  await em
    .getConnection()
    .execute(
      "update monthly_usage set optimizations = optimizations - 1 where organization_id = ? and month = ? and optimizations > 0",
      [organizationId, month],
      "run",
      em.getTransactionContext(),
    );
}

export async function usedQuota(em: EntityManager, organizationId: string, month: string): Promise<number> {
  const rows = await em
    .getConnection()
    .execute<{ optimizations: number }[]>(
      "select optimizations from monthly_usage where organization_id = ? and month = ?",
      [organizationId, month],
      "all",
      em.getTransactionContext(),
    );
  return Number(rows[0]?.optimizations ?? 0);
}
