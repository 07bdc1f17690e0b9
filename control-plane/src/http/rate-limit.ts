import { createHash } from "node:crypto";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { AppError } from "../errors.js";
import type { Metrics } from "../metrics/metrics.js";
import { bearerOf } from "./bearer.js";
import { clientIp } from "./client-ip.js";
import type { AppEnv } from "./env.js";
import { errorResponse } from "./error-response.js";

export interface RateLimitOptions {
  /** Requests allowed per window, per credential and per IP. */
  limit: number;
  /** What a request counts for (default 1): each call of a tRPC batch counts as a request. */
  cost?: (c: Context<AppEnv>) => number;
  windowMs: number;
  trustProxy: boolean;
  metrics: Metrics;
  now?: () => number;
}

/**
 * Fixed-window rate limiting, counted twice: per credential (API key or access token, when one is sent) and
 * per client IP. A key's window starts with its first request after the last window ended. A request over
 * either budget gets 429 with `Retry-After` (seconds until its window ends). A request may count for more than
 * one (`cost`: the calls of a tRPC batch), so batching buys no extra calls. Counters live in this process;
 * windows that ended are swept as new ones start.
 */
export function rateLimit(options: RateLimitOptions) {
  const { limit, windowMs, metrics } = options;
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();

  const hit = (key: string, at: number, cost: number) => {
    let w = windows.get(key);
    if (!w || w.start + windowMs <= at) {
      w = { start: at, count: 0 };
      windows.set(key, w);
    }
    w.count += cost;
    return { over: w.count > limit, retryAfter: Math.max(1, Math.ceil((w.start + windowMs - at) / 1000)) };
  };

  return createMiddleware<AppEnv>(async (c, next) => {
    const at = now();
    if (at - lastSweep > windowMs) {
      for (const [key, w] of windows) if (w.start + windowMs <= at) windows.delete(key);
      lastSweep = at;
    }
    const ip = clientIp(c, options.trustProxy);
    c.set("clientIp", ip);
    const bearer = bearerOf(c.req.header("authorization"));
    const checks: [scope: string, key: string][] = [["ip", `ip:${ip}`]];
    if (bearer) {
      const scope = bearer.startsWith("tml_") ? "api_key" : "user";
      checks.unshift([scope, `${scope}:${createHash("sha256").update(bearer).digest("hex")}`]);
    }
    const cost = options.cost?.(c) ?? 1;
    for (const [scope, key] of checks) {
      const { over, retryAfter } = hit(key, at, cost);
      if (over) {
        metrics.rateLimited.inc({ scope });
        const message = `rate limit: more than ${limit} requests in ${windowMs / 1000} s for this ${scope === "ip" ? "address" : "credential"}; retry in ${retryAfter} s`;
        return errorResponse(
          c,
          new AppError("TOO_MANY_REQUESTS", message, { headers: { "Retry-After": String(retryAfter) } }),
        );
      }
    }
    return next();
  });
}
