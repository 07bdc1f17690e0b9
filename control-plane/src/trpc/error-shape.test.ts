import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadControlPlaneConfig } from "../config.js";
import { type ControlPlane, createControlPlane } from "../control-plane.js";
import { ERRORS } from "../errors.js";

let dir: string;
let cp: ControlPlane;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "trpc-errors-"));
  cp = await createControlPlane(
    loadControlPlaneConfig({ DATA_DIR: dir, OUTBOX_PRINT: "false", CONTROL_PLANE_WORKER: "false" }),
  );
});
afterAll(async () => {
  await cp.close();
  await rm(dir, { recursive: true, force: true });
});

/** The `error.data` of a tRPC call over HTTP, as a client reads it. */
async function errorData(path: string, init: RequestInit = {}) {
  const res = await cp.app.request(`/trpc/${path}`, init);
  const body = (await res.json()) as { error: { message: string; data: Record<string, unknown> } };
  return { status: res.status, message: body.error.message, data: body.error.data };
}

const post = (input: unknown, token?: string): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(input),
});

describe("tRPC errors carry the code, status and hint of the REST answers", () => {
  it("a service's NOT_FOUND: appCode, appStatus and the table's hint", async () => {
    const { accessToken } = await cp.services.auth.signup({
      email: "shape@tinyml.test",
      password: "correct horse battery",
      name: "Shape",
    });
    const got = await errorData(`projects.get?input=${encodeURIComponent(JSON.stringify({ id: randomUUID() }))}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(got.status).toBe(404);
    expect(got.data).toMatchObject({ appCode: "NOT_FOUND", appStatus: 404, hint: ERRORS.NOT_FOUND.hint });
  });

  it("an anonymous call to a signed-in procedure is UNAUTHORIZED (401)", async () => {
    const got = await errorData("projects.list");
    expect(got.status).toBe(401);
    expect(got.data).toMatchObject({ appCode: "UNAUTHORIZED", appStatus: 401 });
    expect(got.message).toMatch(/send an API key/);
  });

  it("input tRPC refuses itself is named by the table's code of the same name", async () => {
    const got = await errorData("auth.login", post({ email: "not an e-mail", password: "" }));
    expect(got.status).toBe(400);
    expect(got.data).toMatchObject({ appCode: "BAD_REQUEST", appStatus: 400 });
    expect(got.data).not.toHaveProperty("hint");
    expect(got.data).not.toHaveProperty("stack");
  });
});
