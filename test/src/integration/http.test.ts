import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "@tinyml/control-plane";
import { createTinymlClient } from "@tinyml/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let server: ReturnType<typeof serve>;
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => {
    server = serve({ fetch: createApp().fetch, port: 0, hostname: "127.0.0.1" }, () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("SDK against the control plane over HTTP", () => {
  it("reads health and the hardware target catalog", async () => {
    const client = createTinymlClient({ url });
    expect(await client.health()).toEqual({ status: "ok" });
    const targets = await client.hardwareTargets();
    expect(targets.find((t) => t.id === "cortex-m4")).toMatchObject({ clockMhz: 84, ramBytes: 262144 });
  });

  it("surfaces the control plane's 404 as an API error", async () => {
    const res = await fetch(`${url}/api/nowhere`);
    expect(res.status).toBe(404);
  });
});
