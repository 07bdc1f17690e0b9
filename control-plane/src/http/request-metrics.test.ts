import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../metrics/metrics.js";
import { requestMetrics } from "./request-metrics.js";

const countsOf = async (metrics: ReturnType<typeof createMetrics>) =>
  (await metrics.registry.getSingleMetricAsString("http_requests_total"))
    .split("\n")
    .filter((line) => line.startsWith("http_requests_total{"));

describe("requestMetrics", () => {
  it("labels requests by route pattern and status, and times them", async () => {
    const metrics = createMetrics();
    const app = new Hono();
    app.use(requestMetrics(metrics));
    app.get("/api/jobs/:id", (c) => c.json({ id: c.req.param("id") }));
    await app.request("/api/jobs/1");
    await app.request("/api/jobs/2");
    await app.request("/nowhere");
    const counter = await metrics.registry.getSingleMetricAsString("http_requests_total");
    expect(counter).toContain('http_requests_total{method="GET",route="/api/jobs/:id",status="200"} 2');
    expect(counter).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    const histogram = await metrics.registry.getSingleMetricAsString("http_request_duration_seconds");
    expect(histogram).toContain(
      'http_request_duration_seconds_count{method="GET",route="/api/jobs/:id",status="200"} 2',
    );
  });

  it("names the route that answered (not a middleware after it) or the one a middleware refused the request for", async () => {
    const metrics = createMetrics();
    const app = new Hono();
    app.use(requestMetrics(metrics));
    app.use(async (c, next) => (c.req.header("x-over-limit") ? c.json({ error: "limited" }, 429) : next()));
    app.get("/health", (c) => c.text("ok"));
    // A middleware after the route (as authentication is, before the signed-in routes) matches /health too.
    app.use(async (_c, next) => next());
    app.get("/api/jobs/:id", (c) => c.json({}));
    await app.request("/health");
    await app.request("/api/jobs/1");
    await app.request("/api/jobs/1", { headers: { "x-over-limit": "1" } });
    await app.request("/nowhere", { headers: { "x-over-limit": "1" } });
    expect(await countsOf(metrics)).toEqual([
      'http_requests_total{method="GET",route="/health",status="200"} 1',
      'http_requests_total{method="GET",route="/api/jobs/:id",status="200"} 1',
      'http_requests_total{method="GET",route="/api/jobs/:id",status="429"} 1',
      'http_requests_total{method="GET",route="unmatched",status="429"} 1',
    ]);
  });

  it("labels tRPC calls by procedure, batches of several as one label, unknown names as one label", async () => {
    const metrics = createMetrics();
    const app = new Hono();
    app.use(requestMetrics(metrics, { trpcProcedures: ["auth.login", "jobs.get", "jobs.progress"] }));
    app.all("/trpc/*", (c) => c.json({}));
    await app.request("/trpc/auth.login", { method: "POST" });
    await app.request("/trpc/jobs.get?input=%7B%7D");
    await app.request("/trpc/jobs.get,jobs.get?batch=1");
    await app.request("/trpc/jobs.get,auth.login?batch=1");
    await app.request("/trpc/jobs.get%2Cjobs.progress?batch=1");
    for (let i = 0; i < 10; i++) await app.request(`/trpc/made.up${i}`);
    await app.request("/trpc/jobs.get,made.up?batch=1");
    await app.request("/trpc/%E0%A4%A");
    expect(await countsOf(metrics)).toEqual([
      'http_requests_total{method="POST",route="/trpc/auth.login",status="200"} 1',
      'http_requests_total{method="GET",route="/trpc/jobs.get",status="200"} 2',
      'http_requests_total{method="GET",route="/trpc/(batch)",status="200"} 2',
      'http_requests_total{method="GET",route="/trpc/(unknown)",status="200"} 12',
    ]);
  });
});
