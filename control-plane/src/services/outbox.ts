import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { type OutboxMessage, OutboxMessageSchema } from "../db/entities/index.js";

/** Queues a message in the caller's unit of work: it exists only if what caused it is committed. */
export function enqueueMessage(
  em: EntityManager,
  message: { kind: string; recipient: string; subject: string; body: string },
): void {
  em.create(OutboxMessageSchema, { id: randomUUID(), ...message, createdAt: new Date(), deliveredAt: null });
}

export type MessageSender = (message: OutboxMessage) => Promise<void>;

/** Development delivery: print the message (a password reset link shows up in the server's log). */
export const printMessage: MessageSender = async (m) => {
  console.log(`[outbox] to ${m.recipient}: ${m.subject}\n${m.body}`);
};

/** Delivers pending messages with `send` and marks them delivered; returns how many it delivered. */
export async function deliverOutbox(orm: MikroORM, send: MessageSender): Promise<number> {
  const em = orm.em.fork() as EntityManager;
  const pending = await em.find(OutboxMessageSchema, { deliveredAt: null }, { orderBy: { createdAt: "asc" } });
  for (const message of pending) {
    await send(message);
    message.deliveredAt = new Date();
    await em.flush();
  }
  return pending.length;
}
