import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApplicationFailure, CancelledFailure } from "@temporalio/activity";
import type { ActivityInterceptorsFactory } from "@temporalio/worker";
import { FAILURE_TYPES } from "@tinyml/workflows/contracts";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/**
 * The worker's Prometheus metrics: every activity it runs, by name and outcome, and how long it took; plus the
 * Node.js process's default metrics. The Temporal runtime exports its own metrics (task slots, poll latencies,
 * sticky cache) on a second port (`Runtime.install`, worker.ts); `/metrics` here appends them when they answer, so
 * that one scrape target has both.
 */
export const ACTIVITY_OUTCOMES = ["completed", "bad_input", "failed", "cancelled"] as const;
export type ActivityOutcome = (typeof ACTIVITY_OUTCOMES)[number];

export interface WorkerMetrics {
  registry: Registry;
  activities: Counter<"activity" | "outcome">;
  activityDuration: Histogram<"activity" | "outcome">;
}

export function createWorkerMetrics(options: { defaultMetrics?: boolean } = {}): WorkerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    activities: new Counter({
      name: "tinyml_worker_activities_total",
      help: "Activities this worker ran, by activity type and outcome (completed, bad_input, failed, cancelled)",
      labelNames: ["activity", "outcome"],
      registers: [registry],
    }),
    activityDuration: new Histogram({
      name: "tinyml_worker_activity_duration_seconds",
      help: "Wall time of one activity attempt on this worker, by activity type and outcome",
      labelNames: ["activity", "outcome"],
      // engine activities take from well under a second (analyze) to minutes (optimize, firmware builds)
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
  };
}

/** How an activity attempt ended, for the `outcome` label. */
export function activityOutcome(error: unknown): ActivityOutcome {
  if (error === undefined) return "completed";
  if (error instanceof CancelledFailure) return "cancelled";
  if (error instanceof ApplicationFailure && error.type === FAILURE_TYPES.badInput) return "bad_input";
  return "failed";
}

/** An activity inbound interceptor that counts and times every activity attempt. */
export function activityMetricsInterceptor(metrics: WorkerMetrics): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const activity = ctx.info.activityType;
        const started = performance.now();
        const record = (outcome: ActivityOutcome) => {
          metrics.activities.inc({ activity, outcome });
          metrics.activityDuration.observe({ activity, outcome }, (performance.now() - started) / 1000);
        };
        try {
          const result = await next(input);
          record("completed");
          return result;
        } catch (e) {
          record(activityOutcome(e));
          throw e;
        }
      },
    },
  });
}

/**
 * Serves `GET /metrics` (the registry, then the text of `alsoScrape` when given and reachable) on host:port; port 0
 * picks a free port. Resolves once listening.
 */
export async function serveMetrics(options: {
  registry: Registry;
  port: number;
  host?: string;
  /** Another Prometheus endpoint whose text is appended (the Temporal runtime's). */
  alsoScrape?: string;
}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
      return;
    }
    void (async () => {
      try {
        let text = await options.registry.metrics();
        if (options.alsoScrape) {
          const extra = await fetch(options.alsoScrape, { signal: AbortSignal.timeout(2_000) })
            .then((r) => (r.ok ? r.text() : ""))
            .catch(() => "");
          if (extra) text = `${text.trimEnd()}\n${extra}`;
        }
        res.writeHead(200, { "content-type": options.registry.contentType }).end(text);
      } catch (e) {
        res.writeHead(500, { "content-type": "text/plain" }).end(`${e instanceof Error ? e.message : String(e)}\n`);
      }
    })();
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
