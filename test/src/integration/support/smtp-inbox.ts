import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** One message the inbox received: its envelope recipients, its headers and its plain-text body. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

/**
 * A real SMTP server (`smtp-server`) on loopback that keeps what it receives, for tests of the mail the control
 * plane sends. No TLS and no authentication: the control plane reaches it as `smtp://127.0.0.1:<port>`.
 */
export async function startSmtpInbox() {
  const received: ReceivedMail[] = [];
  const waiting: { to: string; resolve: (m: ReceivedMail) => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const mail = parseMail(
          Buffer.concat(chunks).toString("utf8"),
          session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          session.envelope.rcptTo.map((r) => r.address),
        );
        received.push(mail);
        for (const w of [...waiting]) {
          if (mail.to.includes(w.to)) {
            waiting.splice(waiting.indexOf(w), 1);
            w.resolve(mail);
          }
        }
        done();
      });
    },
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", () => ready()));
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    /** The first message to `to` not yet taken, waiting for it up to `timeoutMs`. */
    take(to: string, timeoutMs = 10_000): Promise<ReceivedMail> {
      const index = received.findIndex((m) => m.to.includes(to));
      if (index >= 0) return Promise.resolve(received.splice(index, 1)[0] as ReceivedMail);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail to ${to} within ${timeoutMs} ms`)), timeoutMs);
        waiting.push({
          to,
          resolve: (m) => {
            clearTimeout(timer);
            received.splice(received.indexOf(m), 1);
            resolve(m);
          },
        });
      });
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
export type SmtpInbox = Awaited<ReturnType<typeof startSmtpInbox>>;

/** The one 256-bit token (43 base64url characters) a verification or reset message carries. */
export function tokenIn(mail: ReceivedMail): string {
  const found = [...new Set(mail.text.match(/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g) ?? [])];
  if (found.length !== 1) throw new Error(`expected one token in the mail, found ${found.length}:\n${mail.text}`);
  return found[0] as string;
}

/** Headers and a single-part text body, quoted-printable or 7/8-bit (what nodemailer sends for plain text). */
function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const split = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, " ");
  let body = raw.slice(split + 4);
  const header = (name: string) => head.match(new RegExp(`^${name}:\\s*(.*)$`, "im"))?.[1]?.trim() ?? "";
  if (/quoted-printable/i.test(header("Content-Transfer-Encoding"))) {
    body = Buffer.from(
      body
        .replace(/=\r\n/g, "")
        .replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      "latin1",
    ).toString("utf8");
  } else if (/base64/i.test(header("Content-Transfer-Encoding"))) {
    body = Buffer.from(body, "base64").toString("utf8");
  }
  return { from, to, subject: header("Subject"), text: body.replace(/\r\n/g, "\n") };
}
