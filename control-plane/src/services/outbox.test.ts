import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadControlPlaneConfig } from "../config.js";
import { type ControlPlane, createControlPlane } from "../control-plane.js";
import type { OutboxMessage } from "../db/entities/index.js";
import { deliverOutbox } from "./outbox.js";

let dir: string;
let cp: ControlPlane;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "outbox-"));
  cp = await createControlPlane(
    loadControlPlaneConfig({ DATA_DIR: dir, OUTBOX_PRINT: "false", CONTROL_PLANE_WORKER: "false" }),
  );
});
afterAll(async () => {
  await cp.close();
  await rm(dir, { recursive: true, force: true });
});

describe("password reset outbox (SQLite)", () => {
  it("delivers each message once, and the token it carries resets the password once", async () => {
    await cp.services.auth.signup({ email: "reset@tinyml.test", password: "first-password", name: "Reset" });
    await cp.services.auth.requestPasswordReset("RESET@tinyml.test");
    const sent: OutboxMessage[] = [];
    const send = async (m: OutboxMessage) => {
      sent.push(m);
    };
    expect(await deliverOutbox(cp.orm, send)).toBe(1);
    expect(await deliverOutbox(cp.orm, send)).toBe(0);
    expect(sent.map((m) => [m.kind, m.recipient, m.subject])).toEqual([
      ["password-reset", "reset@tinyml.test", "Reset your TinyML password"],
    ]);
    const token = sent[0]?.body.trim().split("\n").at(-1) as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
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
    const quick = await createControlPlane(
      loadControlPlaneConfig({
        DATA_DIR: dir,
        OUTBOX_PRINT: "false",
        CONTROL_PLANE_WORKER: "false",
        PASSWORD_RESET_TTL_S: "1",
      }),
    );
    try {
      await quick.services.auth.signup({ email: "late@tinyml.test", password: "first-password", name: "Late" });
      await quick.services.auth.requestPasswordReset("late@tinyml.test");
      const sent: OutboxMessage[] = [];
      await deliverOutbox(quick.orm, async (m) => {
        if (m.recipient === "late@tinyml.test") sent.push(m);
      });
      const token = sent[0]?.body.trim().split("\n").at(-1) as string;
      await new Promise((r) => setTimeout(r, 1100));
      await expect(quick.services.auth.resetPassword(token, "second-password")).rejects.toThrow(/expired/);
    } finally {
      await quick.close();
    }
  });
});
