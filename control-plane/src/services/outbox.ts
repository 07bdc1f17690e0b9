import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { type OutboxMessage, OutboxMessageSchema } from "../db/entities/index.js";
import type { Mailer } from "../mail/mailer.js";

/**
 * The control plane's mail: each message is recorded (kind, recipient, subject, status; never its body) in the
 * transaction that caused it, then sent once that transaction committed, and its row says what became of it.
 *
 * Why not a durable queue that a loop delivers later: verification and reset messages carry a token, and a
 * queue would keep it at rest (in plain text, or encrypted under a key that lives beside the database) until
 * delivered. Here the body exists only in this process's memory while it is sent. The price: a message whose
 * process dies before the mail server took it stays `pending` and is lost; its user asks for another one, as
 * after any lost e-mail. Sending happens in the background, so the answer to a request does not wait for the
 * mail server, and a password reset for a known address takes as long as one for an unknown address.
 */
export function createOutbox(deps: { orm: MikroORM; mailer: Mailer }) {
  const { mailer } = deps;
  const inFlight = new Set<Promise<void>>();

  async function deliver(message: OutboxMessage, text: string): Promise<void> {
    let outcome: Partial<OutboxMessage>;
    try {
      await mailer.send({ to: message.recipient, subject: message.subject, text });
      outcome = { status: "sent", deliveredAt: new Date() };
    } catch (e) {
      const error = (e instanceof Error ? e.message : String(e)).slice(0, 2000);
      console.error(`[mail] ${message.kind} to ${message.recipient} not sent: ${error}`);
      outcome = { status: "failed", error };
    }
    await (deps.orm.em.fork() as EntityManager).nativeUpdate(OutboxMessageSchema, { id: message.id }, outcome);
  }

  return {
    /** Whether messages leave this process at all (false when mail is off). */
    sends: mailer.mode !== "off",

    /** Records a message in the caller's unit of work: it exists only if what caused it is committed. */
    record(em: EntityManager, message: { kind: string; recipient: string; subject: string }): OutboxMessage {
      return em.create(OutboxMessageSchema, {
        id: randomUUID(),
        ...message,
        status: mailer.mode === "off" ? "not_sent" : "pending",
        createdAt: new Date(),
        deliveredAt: null,
      });
    },

    /** Sends a recorded message whose transaction committed, with its body `text`, in the background. */
    send(message: OutboxMessage, text: string): void {
      if (mailer.mode === "off") return;
      const sending: Promise<void> = deliver(message, text)
        .catch((e) => console.error(`[mail] recording the outcome of ${message.id} failed:`, e))
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    },

    /** Waits until every message being sent has its outcome recorded (at close, and in tests). */
    async settle(): Promise<void> {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}
export type Outbox = ReturnType<typeof createOutbox>;
