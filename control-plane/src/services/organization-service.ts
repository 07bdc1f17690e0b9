import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { MembershipSchema, OrganizationSchema } from "../db/entities/index.js";
import { recordAudit } from "./audit.js";
import type { Caller } from "./caller.js";

import { createMembershipService } from "./membership-service.js";

/** Organizations and their members. Everything is scoped to the caller's organization. */
export function createOrganizationService(deps: { orm: MikroORM }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    /** Organizations the caller belongs to, with the caller's role in each. */
    async mine(caller: Caller) {
      const em = fork();
      const memberships = await em.find(MembershipSchema, { userId: caller.userId }, { orderBy: { createdAt: "asc" } });
      const orgs = await em.find(OrganizationSchema, { id: { $in: memberships.map((m) => m.organizationId) } });
      return memberships.map((m) => {
        const org = orgs.find((o) => o.id === m.organizationId);
        return {
          id: m.organizationId,
          name: org?.name ?? "",
          tier: org?.tier ?? "free",
          role: m.role,
          current: m.organizationId === caller.organizationId,
        };
      });
    },

    /** Creates a team organization owned by the caller. */
    async create(caller: Caller, input: { name: string }) {
      const em = fork();
      const now = new Date();
      const org = em.create(OrganizationSchema, {
        id: randomUUID(),
        name: input.name,
        tier: "free",
        personal: false,
        createdAt: now,
      });
      em.create(MembershipSchema, {
        id: randomUUID(),
        organizationId: org.id,
        userId: caller.userId,
        role: "owner",
        createdAt: now,
      });
      recordAudit(em, {
        organizationId: org.id,
        actorUserId: caller.userId,
        action: "organization.create",
        details: { name: input.name },
      });
      await em.flush();
      return { id: org.id, name: org.name, tier: org.tier };
    },

    ...createMembershipService(deps),
  };
}
