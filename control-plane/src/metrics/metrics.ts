import { BOARD_STATUSES, TARGET_IDS } from "@tinyml/workflows/contracts";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Boards of the farm by target and status, read from the registry at each scrape. */
export type FarmBoardCounter = () => Promise<{ target: string; status: string; count: number }[]>;

/**
 * The control plane's Prometheus metrics, on a registry of its own (one per app, so tests can build several).
 * Names follow Prometheus conventions: `_total` counters, `_seconds` and `_bytes` units.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let countFarmBoards: FarmBoardCounter | null = null;
  return {
    registry,
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests answered, by method, route pattern and status",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "Time to answer an HTTP request, by method, route pattern and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    jobsSubmitted: new Counter({
      name: "tinyml_jobs_submitted_total",
      help: "Optimization jobs accepted and started, by tier and hardware target",
      labelNames: ["tier", "target"] as const,
      registers: [registry],
    }),
    quotaRejections: new Counter({
      name: "tinyml_quota_rejections_total",
      help: "Job submissions refused because the organization's monthly quota was used up, by tier",
      labelNames: ["tier"] as const,
      registers: [registry],
    }),
    uploadBytes: new Counter({
      name: "tinyml_upload_bytes_total",
      help: "Bytes of model and dataset files received, by kind",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    jobsCancelled: new Counter({
      name: "tinyml_jobs_cancelled_total",
      help: "Optimization jobs cancelled by their users, by tier",
      labelNames: ["tier"] as const,
      registers: [registry],
    }),
    farmBoards: new Gauge({
      name: "tinyml_farm_boards",
      help: "Boards of the hardware farm by target and status (offline: not reported recently)",
      labelNames: ["target", "status"] as const,
      registers: [registry],
      async collect() {
        if (!countFarmBoards) return;
        let counts: Awaited<ReturnType<FarmBoardCounter>>;
        try {
          counts = await countFarmBoards();
        } catch (e) {
          // A database hiccup must not fail the whole scrape: the gauge keeps its last values.
          console.error("[metrics] tinyml_farm_boards: the board registry could not be read:", e);
          return;
        }
        this.reset();
        // Every target and status is a series, so a dashboard sees a target drop to zero.
        for (const target of TARGET_IDS) for (const status of BOARD_STATUSES) this.set({ target, status }, 0);
        for (const c of counts) this.set({ target: c.target, status: c.status }, c.count);
      },
    }),
    /** Where `tinyml_farm_boards` reads its counts (the farm service). */
    countFarmBoardsWith(counter: FarmBoardCounter) {
      countFarmBoards = counter;
    },
    rateLimited: new Counter({
      name: "tinyml_rate_limited_total",
      help: "Requests refused by the rate limiter, by what they were counted against (api_key, user, ip)",
      labelNames: ["scope"] as const,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
