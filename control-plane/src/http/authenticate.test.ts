import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadControlPlaneConfig } from "../config.js";
import { type ControlPlane, createControlPlane } from "../control-plane.js";
import { authenticate } from "./authenticate.js";
import type { AppEnv } from "./env.js";

let dir: string;
let cp: ControlPlane;
let app: Hono<AppEnv>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "authenticate-"));
  cp = await createControlPlane(
    loadControlPlaneConfig({ DATA_DIR: dir, OUTBOX_PRINT: "false", CONTROL_PLANE_WORKER: "false" }),
  );
  app = new Hono<AppEnv>();
  app.use(authenticate(cp.services));
  app.get("/", (c) => c.json(c.get("caller")));
});
afterAll(async () => {
  await cp.close();
  await rm(dir, { recursive: true, force: true });
});

describe("authenticate (real services on SQLite)", () => {
  it("leaves a request without credentials anonymous", async () => {
    expect(await (await app.request("/")).json()).toBeNull();
  });

  it("resolves an access token and an API key to the same user and organization", async () => {
    const session = await cp.services.auth.signup({ email: "auth@tinyml.test", password: "auth-password", name: "A" });
    const viaToken = await (
      await app.request("/", { headers: { authorization: `Bearer ${session.accessToken}` } })
    ).json();
    expect(viaToken).toMatchObject({
      userId: session.user.id,
      organizationId: session.organizationId,
      role: "owner",
      via: "access-token",
    });
    const caller = await cp.services.auth.authenticate(session.accessToken);
    const { key } = await cp.services.apiKeys.create(caller as NonNullable<typeof caller>, { name: "k" });
    const viaKey = await (await app.request("/", { headers: { authorization: `Bearer ${key}` } })).json();
    expect(viaKey).toMatchObject({ userId: session.user.id, organizationId: session.organizationId, via: "api-key" });
  });

  it("refuses an access token once it has expired", async () => {
    const shortLived = await createControlPlane(
      loadControlPlaneConfig({
        DATA_DIR: dir,
        OUTBOX_PRINT: "false",
        CONTROL_PLANE_WORKER: "false",
        ACCESS_TOKEN_TTL_S: "1",
        JWT_SECRET: "s".repeat(32),
      }),
    );
    try {
      const session = await shortLived.services.auth.signup({
        email: "ttl@tinyml.test",
        password: "ttl-password",
        name: "T",
      });
      expect(await shortLived.services.auth.authenticate(session.accessToken)).not.toBeNull();
      await new Promise((r) => setTimeout(r, 2100));
      expect(await shortLived.services.auth.authenticate(session.accessToken)).toBeNull();
    } finally {
      await shortLived.close();
    }
  });

  it("refuses a present but invalid credential with 401 instead of treating it as anonymous", async () => {
    for (const header of [
      "Bearer nonsense",
      "Bearer tml_aaaaaaaaaaaa_0000000000000000000000000000000000000000000",
      "Basic dXNlcjpwdw==",
    ]) {
      const res = await app.request("/", { headers: { authorization: header } });
      expect(res.status, header).toBe(401);
    }
  });
});
