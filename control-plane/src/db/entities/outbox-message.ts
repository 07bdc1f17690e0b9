import { EntitySchema } from "@mikro-orm/core";

/**
 * A message to deliver (an e-mail), written in the same transaction as what caused it; a deliverer sends it
 * later and marks it delivered. In development the deliverer prints it.
 */
export interface OutboxMessage {
  id: string;
  kind: string;
  recipient: string;
  subject: string;
  body: string;
  createdAt: Date;
  deliveredAt?: Date | null;
}

export const OutboxMessageSchema = new EntitySchema<OutboxMessage>({
  name: "OutboxMessage",
  tableName: "outbox_messages",
  properties: {
    id: { type: "uuid", primary: true },
    kind: { type: "string", length: 50 },
    recipient: { type: "string", length: 320 },
    subject: { type: "string", length: 300 },
    body: { type: "text" },
    createdAt: { type: "datetime" },
    deliveredAt: { type: "datetime", nullable: true, index: true },
  },
});
