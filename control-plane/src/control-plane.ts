import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MikroORM } from "@mikro-orm/core";
import { type ActivityWorker, startActivityWorker } from "./activities/activity-worker.js";
import { createControlPlaneActivities } from "./activities/control-plane-activities.js";
import { createApp } from "./app.js";
import type { BlobStore } from "./blob/blob-store.js";
import { createBlobStore } from "./blob/create-blob-store.js";
import type { ControlPlaneConfig } from "./config.js";
import { databaseTarget } from "./db/dialect.js";
import { openDatabase } from "./db/orm.js";
import type { AppEnv } from "./http/env.js";
import { createMetrics, type Metrics } from "./metrics/metrics.js";
import { createServices, type Services } from "./services/index.js";
import { createTemporalOrchestrator, type Orchestrator } from "./services/orchestrator.js";

export interface ControlPlane {
  app: OpenAPIHono<AppEnv>;
  services: Services;
  orm: MikroORM;
  blobStore: BlobStore;
  /** The Prometheus registry the app counts in; the server serves it on its own listener (METRICS_PORT). */
  metrics: Metrics;
  /** The control-plane activity worker (`null` when CONTROL_PLANE_WORKER=false). */
  activityWorker: ActivityWorker | null;
  close(): Promise<void>;
}

/**
 * Assembles the control plane from its configuration: opens the database (running pending migrations), the
 * blob store and the Temporal client, builds the services and the HTTP app, and starts the control-plane
 * activity worker in the background (it keeps retrying while Temporal is down; nothing here waits for it).
 * `orchestrator` may be given to point job submission elsewhere. Closing waits for the mail being sent.
 */
export async function createControlPlane(
  config: ControlPlaneConfig,
  overrides: { orchestrator?: Orchestrator } = {},
): Promise<ControlPlane> {
  const orm = await openDatabase(databaseTarget(config));
  const blobStore = createBlobStore(config);
  const orchestrator =
    overrides.orchestrator ??
    createTemporalOrchestrator({
      address: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      timeoutMs: config.TEMPORAL_TIMEOUT_MS,
    });
  const metrics = createMetrics();
  const services = createServices({ orm, blobStore, orchestrator, metrics, config });
  const app = createApp({
    services,
    metrics,
    rateLimitPerMinute: config.RATE_LIMIT_PER_MINUTE,
    trustProxy: config.TRUST_PROXY,
    corsOrigins: config.CORS_ORIGINS,
  });
  const activityWorker = config.CONTROL_PLANE_WORKER
    ? startActivityWorker({
        address: config.TEMPORAL_ADDRESS,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.CONTROL_PLANE_TASK_QUEUE,
        activities: createControlPlaneActivities({ orm, blobStore, recorder: services.jobRecorder }),
        retryMs: config.WORKER_RETRY_MS,
      })
    : null;
  return {
    app,
    services,
    orm,
    blobStore,
    metrics,
    activityWorker,
    async close() {
      await activityWorker?.stop();
      await services.outbox.settle();
      services.mailer.close();
      await orchestrator.close();
      await blobStore.close();
      await orm.close(true);
    },
  };
}
