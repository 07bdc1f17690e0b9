import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { TIERS, type TierId } from "@tinyml/workflows/contracts";
import { OrganizationSchema } from "../db/entities/index.js";
import { forbidden } from "../errors.js";
import { recordAudit } from "./audit.js";
import { type Caller, requireRole } from "./caller.js";
import { usageMonth, usedQuota } from "./quota.js";

/** The organization's tier, its limits and this month's usage; tier changes (payment is out of scope). */
export function createSubscriptionService(deps: { orm: MikroORM }) {
  const fork = () => deps.orm.em.fork() as EntityManager;

  async function describe(em: EntityManager, organizationId: string) {
    const org = await em.findOneOrFail(OrganizationSchema, { id: organizationId });
    const tier = TIERS[org.tier];
    const month = usageMonth();
    const used = await usedQuota(em, organizationId, month);
    return {
      organization_id: org.id,
      tier: org.tier,
      limits: tier,
      usage: {
        month,
        optimizations: used,
        remaining: tier.monthlyOptimizations === null ? null : Math.max(0, tier.monthlyOptimizations - used),
      },
    };
  }

  return {
    get: (caller: Caller) => describe(fork(), caller.organizationId),

    /** Admins and owners change the tier; Enterprise is set by an operator only. Audited. */
    async upgrade(caller: Caller, input: { tier: TierId }) {
      requireRole(caller, "admin", "changing the subscription");
      if (TIERS[input.tier].operatorOnly && !caller.isOperator) {
        throw forbidden(`the ${TIERS[input.tier].name} tier is set by an operator: contact sales`);
      }
      const em = fork();
      const org = await em.findOneOrFail(OrganizationSchema, { id: caller.organizationId });
      const from = org.tier;
      org.tier = input.tier;
      recordAudit(em, {
        organizationId: org.id,
        actorUserId: caller.userId,
        action: "subscription.change",
        details: { from, to: input.tier },
      });
      await em.flush();
      return describe(em, org.id);
    },
  };
}
