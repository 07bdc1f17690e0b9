import { ApplicationFailure, CancelledFailure } from "@temporalio/activity";
import { MockActivityEnvironment } from "@temporalio/testing";
import { FAILURE_TYPES } from "@tinyml/workflows/contracts";
import { describe, expect, it } from "vitest";
import { activityMetricsInterceptor, activityOutcome, createWorkerMetrics, serveMetrics } from "./metrics.js";

describe("worker metrics", () => {
  it("names each outcome", () => {
    expect(activityOutcome(undefined)).toBe("completed");
    expect(activityOutcome(new CancelledFailure("CANCELLED"))).toBe("cancelled");
    expect(activityOutcome(ApplicationFailure.nonRetryable("bad model", FAILURE_TYPES.badInput))).toBe("bad_input");
    expect(activityOutcome(new Error("ECONNRESET"))).toBe("failed");
  });

  it("counts and times activities by type and outcome, served on GET /metrics", async () => {
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    const env = new MockActivityEnvironment({ activityType: "quantizeModel" });
    const inbound = activityMetricsInterceptor(metrics)(env.context).inbound;
    const execute = inbound?.execute;
    if (!execute) throw new Error("no execute interceptor");
    const input = { args: [], headers: {} };
    expect(await execute(input, async () => 42)).toBe(42);
    await execute(input, async () => 1);
    const bad = ApplicationFailure.nonRetryable("corrupt", FAILURE_TYPES.badInput);
    await expect(
      execute(input, async () => {
        throw bad;
      }),
    ).rejects.toBe(bad);

    const endpoint = await serveMetrics({ registry: metrics.registry, port: 0 });
    try {
      const text = await (await fetch(endpoint.url)).text();
      expect(text).toContain('tinyml_worker_activities_total{activity="quantizeModel",outcome="completed"} 2');
      expect(text).toContain('tinyml_worker_activities_total{activity="quantizeModel",outcome="bad_input"} 1');
      expect(text).toMatch(
        /tinyml_worker_activity_duration_seconds_count\{activity="quantizeModel",outcome="completed"\} 2/,
      );
      expect((await fetch(endpoint.url.replace("/metrics", "/other"))).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });

  it("appends another exporter's text when it answers, and serves its own when it does not", async () => {
    const temporal = createWorkerMetrics({ defaultMetrics: false });
    temporal.activities.inc({ activity: "other", outcome: "failed" });
    const other = await serveMetrics({ registry: temporal.registry, port: 0 });
    const mine = createWorkerMetrics({ defaultMetrics: false });
    const joined = await serveMetrics({ registry: mine.registry, port: 0, alsoScrape: other.url });
    try {
      expect(await (await fetch(joined.url)).text()).toContain('activity="other",outcome="failed"} 1');
      await other.close();
      const alone = await fetch(joined.url);
      expect(alone.status).toBe(200);
      expect(await alone.text()).toContain("# TYPE tinyml_worker_activities_total counter");
    } finally {
      await joined.close();
    }
  });
});
