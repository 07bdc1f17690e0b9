import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes, routePath } from "hono/route";
import type { Metrics } from "../metrics/metrics.js";
import { trpcProcedureNames } from "./trpc-batch.js";

/** The one label of every request no route took (unknown paths): however many paths, one series. */
const UNMATCHED = "unmatched";
const TRPC_ROUTE = "/trpc/*";
const isMiddlewarePath = (path: string) => path === "*" || path === "/*";

/**
 * The tRPC label of a request to `/trpc/<procedures>`: `/trpc/<procedure>` for a call (or a batch of calls) of one
 * known procedure, `/trpc/(batch)` for a batch of several, `/trpc/(unknown)` when it names any procedure the router
 * does not have; so the labels are bounded by the router's procedures, whatever paths clients send.
 */
function trpcRoute(path: string, procedures: ReadonlySet<string>): string {
  const names = trpcProcedureNames(path);
  if (!names?.every((name) => procedures.has(name))) return "/trpc/(unknown)";
  return new Set(names).size === 1 ? `/trpc/${names[0]}` : "/trpc/(batch)";
}

/**
 * The route a request is counted under: the pattern of the route that answered it (read after it ran), or, when a
 * middleware answered first (a 401, a 429), the pattern of the route it was for; tRPC calls by procedure.
 */
function routeLabel(c: Context, procedures: ReadonlySet<string>): string {
  const answered = routePath(c);
  const route = isMiddlewarePath(answered)
    ? (matchedRoutes(c).find((r) => !isMiddlewarePath(r.path))?.path ?? UNMATCHED)
    : answered;
  return route === TRPC_ROUTE ? trpcRoute(c.req.path, procedures) : route;
}

/**
 * Counts every answered request and observes its duration, labelled by the matched route pattern
 * (`/api/jobs/:id`, never the concrete path, so label cardinality stays bounded).
 */
export function requestMetrics(metrics: Metrics, options: { trpcProcedures?: readonly string[] } = {}) {
  const procedures = new Set(options.trpcProcedures ?? []);
  return createMiddleware(async (c, next) => {
    const started = performance.now();
    await next();
    const labels = { method: c.req.method, route: routeLabel(c, procedures), status: String(c.res.status) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
  });
}
