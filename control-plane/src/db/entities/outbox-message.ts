import { EntitySchema } from "@mikro-orm/core";

/** What became of a message: being sent, sent, refused by the mail server, or not sent because mail is off. */
type OutboxStatus = "pending" | "sent" | "failed" | "not_sent";

/**
 * The record of a message (an e-mail) the control plane sent or tried to send: to whom, what kind, and what
 * became of it. Never its body: verification and reset messages carry a token, which exists in plain text only
 * in memory while the message is sent (services/outbox.ts).
 */
export interface OutboxMessage {
  id: string;
  kind: string;
  recipient: string;
  subject: string;
  status: OutboxStatus;
  /** Why sending failed (the mail server's answer), for `failed`. */
  error?: string | null;
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
    status: { type: "string", length: 20, default: "pending" },
    error: { type: "text", nullable: true },
    createdAt: { type: "datetime" },
    deliveredAt: { type: "datetime", nullable: true, index: true },
  },
});
