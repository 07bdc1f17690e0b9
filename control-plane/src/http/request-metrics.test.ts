import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../metrics/metrics.js";
import { requestMetrics } from "./request-metrics.js";

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
});
