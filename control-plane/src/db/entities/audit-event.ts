import { EntitySchema } from "@mikro-orm/core";

/** Something that changed who may do what or what an organization pays for. */
export interface AuditEvent {
  id: string;
  organizationId?: string | null;
  actorUserId?: string | null;
  action: string;
  details: Record<string, unknown>;
  createdAt: Date;
}

export const AuditEventSchema = new EntitySchema<AuditEvent>({
  name: "AuditEvent",
  tableName: "audit_events",
  properties: {
    id: { type: "uuid", primary: true },
    organizationId: { type: "uuid", nullable: true, index: true },
    actorUserId: { type: "uuid", nullable: true },
    action: { type: "string", length: 100 },
    details: { type: "json" },
    createdAt: { type: "datetime" },
  },
});
