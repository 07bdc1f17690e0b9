import { createTransport } from "nodemailer";
import type { ControlPlaneConfig } from "../config.js";

/** One plain-text e-mail. */
interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Where the control plane's mail goes, chosen once from the configuration: through SMTP (`SMTP_URL`, From
 * `MAIL_FROM`, with nodemailer), printed to the log (no SMTP_URL, OUTBOX_PRINT on: development), or nowhere.
 */
export interface Mailer {
  readonly mode: "smtp" | "log" | "off";
  /** Resolves once the mail server accepted the message; rejects with its answer otherwise. */
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** How long a mail server may take to answer before a message counts as failed (nodemailer waits minutes). */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

export function createMailer(config: Pick<ControlPlaneConfig, "SMTP_URL" | "MAIL_FROM" | "OUTBOX_PRINT">): Mailer {
  if (config.SMTP_URL) {
    const transport = createTransport({ url: config.SMTP_URL, ...SMTP_TIMEOUTS });
    const from = config.MAIL_FROM ?? undefined;
    return {
      mode: "smtp",
      async send(mail) {
        await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
      },
      close: () => transport.close(),
    };
  }
  if (config.OUTBOX_PRINT) {
    return {
      mode: "log",
      send: async (mail) => console.log(`[mail] to ${mail.to}: ${mail.subject}\n${mail.text}`),
      close() {},
    };
  }
  return { mode: "off", send: async () => {}, close() {} };
}

/** What the log says about mail when the control plane starts. */
export function mailNotice(mailer: Mailer, config: Pick<ControlPlaneConfig, "SMTP_URL" | "MAIL_FROM">): string {
  if (mailer.mode === "smtp") {
    return `mail: sent through SMTP at ${new URL(config.SMTP_URL as string).host} from ${config.MAIL_FROM}`;
  }
  const what =
    mailer.mode === "log"
      ? "e-mail verification and password reset messages are printed to this log instead (OUTBOX_PRINT, for development)"
      : "e-mail verification and password reset messages are not sent, so nobody can verify an e-mail address " +
        "(needed to become an operator) or reset a forgotten password";
  return `mail is off (SMTP_URL is unset): ${what}; set SMTP_URL and MAIL_FROM to send them`;
}
