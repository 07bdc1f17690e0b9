import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadControlPlaneConfig } from "../config.js";
import { type ControlPlane, createControlPlane } from "../control-plane.js";
import { mailNotice } from "../mail/mailer.js";

/**
 * The outbox on SQLite with a real SMTP server (`smtp-server` on loopback): password reset messages are sent
 * through SMTP once their transaction committed, recorded without their bodies, and their tokens work once.
 */

interface Received {
  to: string[];
  raw: string;
}

/** An SMTP server on loopback that keeps what it receives, or refuses every recipient with `refuse`. */
async function startSmtpServer(refuse?: string) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo: (_address, _session, done) =>
      done(refuse ? Object.assign(new Error(refuse), { responseCode: 550 }) : undefined),
    onData(stream, session, done) {
      let raw = "";
      stream.on("data", (c: Buffer) => {
        raw += c.toString("utf8");
      });
      stream.on("end", () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      });
    },
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", () => ready()));
  const url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((done) => server.close(() => done())) };
}

/** The token line of a message (its body is quoted-printable: soft line breaks `=\r\n` undone first). */
const tokenIn = (m: Received | undefined) =>
  m?.raw.replace(/=\r\n/g, "").match(/^([A-Za-z0-9_-]{43})\r?$/m)?.[1] as string;

let dir: string;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let cp: ControlPlane;
const configFor = (env: Record<string, string> = {}) =>
  loadControlPlaneConfig({
    DATA_DIR: dir,
    OUTBOX_PRINT: "false",
    CONTROL_PLANE_WORKER: "false",
    SMTP_URL: smtp.url,
    MAIL_FROM: "TinyML <no-reply@tinyml.test>",
    ...env,
  });
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "outbox-"));
  smtp = await startSmtpServer();
  cp = await createControlPlane(configFor());
});
afterAll(async () => {
  await cp?.close();
  await smtp?.close();
  await rm(dir, { recursive: true, force: true });
});

const outboxRows = (c: ControlPlane, recipient: string) =>
  c.orm.em
    .fork()
    .getConnection()
    .execute("select * from outbox_messages where recipient = ? order by created_at", [recipient]);

describe("outbox (SQLite, real SMTP server)", () => {
  it("sends a reset message once committed, keeps no body, and its token resets the password once", async () => {
    await cp.services.auth.signup({ email: "reset@tinyml.test", password: "first-password", name: "Reset" });
    await cp.services.auth.requestPasswordReset("RESET@tinyml.test");
    await cp.services.auth.requestPasswordReset("reset@tinyml.test"); // within a minute: no second message
    await cp.services.outbox.settle();
    const mails = smtp.received.filter((m) => m.to.includes("reset@tinyml.test"));
    expect(mails.map((m) => m.raw.match(/^Subject: (.*)$/m)?.[1]?.trim())).toEqual([
      "Verify your TinyML e-mail address",
      "Reset your TinyML password",
    ]);
    expect(mails[1]?.raw).toMatch(/^From: TinyML <no-reply@tinyml\.test>/m);
    const token = tokenIn(mails[1]);
    const rows = await outboxRows(cp, "reset@tinyml.test");
    expect(rows.map((r: { kind: string; status: string }) => [r.kind, r.status])).toEqual([
      ["email-verification", "sent"],
      ["password-reset", "sent"],
    ]);
    expect(JSON.stringify(rows)).not.toContain(token);

    await cp.services.auth.resetPassword(token, "second-password");
    await expect(cp.services.auth.resetPassword(token, "third-password")).rejects.toThrow(/already used/);
    await expect(cp.services.auth.login({ email: "reset@tinyml.test", password: "first-password" })).rejects.toThrow(
      "wrong e-mail or password",
    );
    expect((await cp.services.auth.login({ email: "reset@tinyml.test", password: "second-password" })).user.name).toBe(
      "Reset",
    );
  });

  it("refuses a reset token after it has expired", async () => {
    const quick = await createControlPlane(configFor({ PASSWORD_RESET_TTL_S: "1" }));
    try {
      await quick.services.auth.signup({ email: "late@tinyml.test", password: "first-password", name: "Late" });
      await quick.services.auth.requestPasswordReset("late@tinyml.test");
      await quick.services.outbox.settle();
      const token = tokenIn(smtp.received.filter((m) => m.to.includes("late@tinyml.test")).at(-1));
      await new Promise((r) => setTimeout(r, 1100));
      await expect(quick.services.auth.resetPassword(token, "second-password")).rejects.toThrow(/expired/);
    } finally {
      await quick.close();
    }
  });

  it("records a message the mail server refused as failed, with its answer", async () => {
    const refusing = await startSmtpServer("mailbox unavailable");
    const picky = await createControlPlane(configFor({ SMTP_URL: refusing.url }));
    try {
      await picky.services.auth.signup({ email: "bounce@tinyml.test", password: "first-password", name: "Bounce" });
      await picky.services.outbox.settle();
      const [row] = await outboxRows(picky, "bounce@tinyml.test");
      expect(row).toMatchObject({ kind: "email-verification", status: "failed" });
      expect(String(row?.error)).toMatch(/mailbox unavailable/);
    } finally {
      await picky.close();
      await refusing.close();
    }
  });

  it("without SMTP_URL says mail is off, records messages as not sent, and refuses to mail a verification", async () => {
    const config = loadControlPlaneConfig({ DATA_DIR: dir, OUTBOX_PRINT: "false", CONTROL_PLANE_WORKER: "false" });
    const quiet = await createControlPlane(config);
    try {
      expect(mailNotice(quiet.services.mailer, config)).toMatch(
        /^mail is off \(SMTP_URL is unset\): e-mail verification and password reset messages are not sent, so nobody can verify/,
      );
      const session = await quiet.services.auth.signup({
        email: "quiet@tinyml.test",
        password: "first-password",
        name: "Q",
      });
      await quiet.services.auth.requestPasswordReset("quiet@tinyml.test");
      const rows = await outboxRows(quiet, "quiet@tinyml.test");
      expect(rows.map((r: { status: string }) => r.status)).toEqual(["not_sent", "not_sent"]);
      const caller = await quiet.services.auth.authenticate(session.accessToken);
      await expect(
        quiet.services.users.requestEmailVerification(caller as NonNullable<typeof caller>),
      ).rejects.toMatchObject({
        code: "UNAVAILABLE",
      });
    } finally {
      await quiet.close();
    }
  });
});
