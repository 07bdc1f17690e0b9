import { type Context, Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../metrics/metrics.js";
import type { AppEnv } from "./env.js";
import { rateLimit } from "./rate-limit.js";

function appWith(limit: number, clock: { t: number }, cost?: (c: Context<AppEnv>) => number) {
  const metrics = createMetrics();
  const app = new Hono<AppEnv>();
  app.use(rateLimit({ limit, windowMs: 60_000, trustProxy: true, metrics, now: () => clock.t, cost }));
  app.get("/", (c) => c.text(c.get("clientIp")));
  return { app, metrics };
}

const get = (app: Hono<AppEnv>, headers: Record<string, string>) => app.request("/", { headers });

describe("rateLimit", () => {
  it("allows `limit` requests per IP in a window, then 429 with Retry-After until the window ends", async () => {
    const clock = { t: 120_000 };
    const { app, metrics } = appWith(2, clock);
    const ip = { "x-forwarded-for": "203.0.113.7, 10.0.0.1" };
    expect(await (await get(app, ip)).text()).toBe("203.0.113.7");
    clock.t += 15_000; // 15 s into the address's window
    expect((await get(app, ip)).status).toBe(200);
    const refused = await get(app, ip);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("45");
    expect(await refused.json()).toEqual({
      error: {
        code: "TOO_MANY_REQUESTS",
        message: "rate limit: more than 2 requests in 60 s for this address; retry in 45 s",
      },
    });
    expect((await get(app, { "x-forwarded-for": "198.51.100.1" })).status).toBe(200); // another address
    clock.t = 180_000; // the address's window has ended
    expect((await get(app, ip)).status).toBe(200);
    expect(await metrics.registry.getSingleMetricAsString("tinyml_rate_limited_total")).toContain(
      'tinyml_rate_limited_total{scope="ip"} 1',
    );
  });

  it("counts each API key on its own, besides its address", async () => {
    const clock = { t: 0 };
    const { app } = appWith(2, clock);
    const keyA = { authorization: "Bearer tml_aaaaaaaaaaaa_x", "x-forwarded-for": "192.0.2.1" };
    const keyB = { authorization: "Bearer tml_bbbbbbbbbbbb_x", "x-forwarded-for": "192.0.2.2" };
    expect([(await get(app, keyA)).status, (await get(app, keyA)).status]).toEqual([200, 200]);
    const refused = await get(app, { ...keyA, "x-forwarded-for": "192.0.2.9" }); // same key, new address
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/for this credential/);
    expect((await get(app, keyB)).status).toBe(200);
  });

  it("counts a request for its cost (the calls of a tRPC batch), so batching buys no extra calls", async () => {
    const clock = { t: 0 };
    const { app } = appWith(10, clock, (c) => Number(c.req.header("x-calls") ?? 1));
    const from = (calls: number) => ({ "x-forwarded-for": "192.0.2.5", "x-calls": String(calls) });
    expect((await get(app, from(6))).status).toBe(200);
    expect((await get(app, from(4))).status).toBe(200);
    const refused = await get(app, from(1));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
  });
});
