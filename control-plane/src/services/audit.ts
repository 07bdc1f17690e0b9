import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/knex";
import { AuditEventSchema } from "../db/entities/index.js";

/** Records an audit event in the caller's unit of work (flushed with what it describes). */
export function recordAudit(
  em: EntityManager,
  event: { organizationId?: string | null; actorUserId?: string | null; action: string; details?: object },
): void {
  em.create(AuditEventSchema, {
    id: randomUUID(),
    organizationId: event.organizationId ?? null,
    actorUserId: event.actorUserId ?? null,
    action: event.action,
    details: { ...event.details },
    createdAt: new Date(),
  });
}
