import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { MembershipSchema, type Role, UserSchema } from "../db/entities/index.js";
import { AppError, badRequest, notFound } from "../errors.js";
import { recordAudit } from "./audit.js";
import { type Caller, requireRole } from "./caller.js";
import { conflictOnDuplicate } from "./duplicates.js";

const OLDEST_FIRST = { orderBy: { createdAt: "asc" } } as const;

/** The members of the caller's organization and their roles: who may add, change and remove whom. */
export function createMembershipService(deps: { orm: MikroORM }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  return {
    async members(caller: Caller) {
      const em = fork();
      const memberships = await em.find(MembershipSchema, { organizationId: caller.organizationId }, OLDEST_FIRST);
      const users = await em.find(UserSchema, { id: { $in: memberships.map((m) => m.userId) } });
      return memberships.map((m) => {
        const u = users.find((x) => x.id === m.userId);
        return { userId: m.userId, email: u?.email ?? "", name: u?.name ?? "", role: m.role };
      });
    },

    /** Adds an existing account to the caller's organization (admins and owners; owners only add owners). */
    async addMember(caller: Caller, input: { email: string; role: Role }) {
      requireRole(caller, "admin", "adding members");
      if (input.role === "owner") requireRole(caller, "owner", "adding an owner");
      const em = fork();
      const user = await em.findOne(UserSchema, { email: input.email.trim().toLowerCase() });
      if (!user) throw notFound(`account ${input.email}`);
      if (await em.findOne(MembershipSchema, { organizationId: caller.organizationId, userId: user.id })) {
        throw new AppError("CONFLICT", `${user.email} is already a member`);
      }
      em.create(MembershipSchema, {
        id: randomUUID(),
        organizationId: caller.organizationId,
        userId: user.id,
        role: input.role,
        createdAt: new Date(),
      });
      recordAudit(em, {
        organizationId: caller.organizationId,
        actorUserId: caller.userId,
        action: "membership.add",
        details: { userId: user.id, role: input.role },
      });
      await conflictOnDuplicate(() => em.flush(), `${user.email} is already a member`);
      return { userId: user.id, email: user.email, name: user.name, role: input.role };
    },

    async setRole(caller: Caller, input: { userId: string; role: Role }) {
      requireRole(caller, "admin", "changing roles");
      const em = fork();
      const m = await findMember(em, caller, input.userId);
      if (m.role === "owner" || input.role === "owner") requireRole(caller, "owner", "changing an owner's role");
      if (m.role === "owner" && input.role !== "owner") await assertAnotherOwner(em, caller.organizationId, m.userId);
      const before = m.role;
      m.role = input.role;
      recordAudit(em, {
        organizationId: caller.organizationId,
        actorUserId: caller.userId,
        action: "membership.role",
        details: { userId: m.userId, from: before, to: input.role },
      });
      await em.flush();
      return { userId: m.userId, role: m.role };
    },

    async removeMember(caller: Caller, input: { userId: string }) {
      if (input.userId !== caller.userId) requireRole(caller, "admin", "removing members");
      const em = fork();
      const m = await findMember(em, caller, input.userId);
      if (m.role === "owner") {
        if (input.userId !== caller.userId) requireRole(caller, "owner", "removing an owner");
        await assertAnotherOwner(em, caller.organizationId, m.userId);
      }
      em.remove(m);
      recordAudit(em, {
        organizationId: caller.organizationId,
        actorUserId: caller.userId,
        action: "membership.remove",
        details: { userId: m.userId },
      });
      await em.flush();
    },
  };
}

async function assertAnotherOwner(em: EntityManager, organizationId: string, userId: string) {
  const owners = await em.count(MembershipSchema, { organizationId, role: "owner", userId: { $ne: userId } });
  if (owners === 0) throw badRequest("an organization keeps at least one owner: make someone else owner first");
}

/** A member of the caller's organization, by user id. */
async function findMember(em: EntityManager, caller: Caller, userId: string) {
  const m = await em.findOne(MembershipSchema, { organizationId: caller.organizationId, userId });
  if (!m) throw notFound("member");
  return m;
}
