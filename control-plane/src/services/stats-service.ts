import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { JOB_STATUSES, TARGET_IDS } from "@tinyml/workflows/contracts";
import { JobSchema, ModelSchema, ProjectSchema } from "../db/entities/index.js";
import type { Caller } from "./caller.js";
import { usageMonth, usedQuota } from "./quota.js";

/** Statistics of the caller's organization: projects, models, jobs by status and target, usage this month. */
export function createStatsService(deps: { orm: MikroORM }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async forOrganization(caller: Caller) {
      const em = fork();
      const organizationId = caller.organizationId;
      const jobs = await em.find(JobSchema, { organizationId }, { fields: ["status", "hardwareTarget"] });
      const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, jobs.filter((j) => j.status === s).length]));
      const byTarget = Object.fromEntries(
        TARGET_IDS.map((t) => [t, jobs.filter((j) => j.hardwareTarget === t).length]),
      );
      const month = usageMonth();
      return {
        organization_id: organizationId,
        projects: await em.count(ProjectSchema, { organizationId }),
        models: await em.count(ModelSchema, { organizationId }),
        jobs: { total: jobs.length, by_status: byStatus, by_target: byTarget },
        usage: { month, optimizations: await usedQuota(em, organizationId, month) },
      };
    },
  };
}
