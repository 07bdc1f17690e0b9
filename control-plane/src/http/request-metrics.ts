import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { Metrics } from "../metrics/metrics.js";

/**
 * Counts every answered request and observes its duration, labelled by the matched route pattern
 * (`/api/jobs/:id`, never the concrete path, so label cardinality stays bounded).
 */
export function requestMetrics(metrics: Metrics) {
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    await next();
    const matched = routePath(c, -1);
    const route = matched === "*" || matched === "/*" ? "unmatched" : matched;
    const labels = { method: c.req.method, route, status: String(c.res.status) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
  });
}
