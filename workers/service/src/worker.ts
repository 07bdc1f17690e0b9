import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import { NativeConnection, Runtime, Worker } from "@temporalio/worker";
import { createHealthActivities, TASK_QUEUES } from "@tinyml/workflows/contracts";
import { engineFolders, loadWorkerConfig } from "./config.js";
import { createEngineActivities, type EngineActivityDeps } from "./engine-activities.js";
import { activityMetricsInterceptor, createWorkerMetrics, serveMetrics, type WorkerMetrics } from "./metrics.js";

const require = createRequire(import.meta.url);

/** Path of the workflows package's entry, which the worker bundles. */
export const workflowsPath = (): string => require.resolve("@tinyml/workflows");

/** How long in-flight activities may finish after SIGINT/SIGTERM before they are cancelled (and retried elsewhere). */
export const SHUTDOWN_GRACE_TIME = "20s";

export interface OptimizeWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  identity?: string;
  /** The engine activities' dependencies (default: the folders of the worker's configuration, nothing else). */
  engine?: EngineActivityDeps;
  /** Counts and times every activity (tinyml_worker_activities_total, tinyml_worker_activity_duration_seconds). */
  metrics?: WorkerMetrics;
}

/** The worker of the `optimize` task queue: hosts the workflows, the health check and the engine's activities. */
export async function createOptimizeWorker(options: OptimizeWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? "default",
    taskQueue: options.taskQueue ?? TASK_QUEUES.optimize,
    workflowsPath: workflowsPath(),
    activities: {
      ...createHealthActivities({ hostname }),
      ...createEngineActivities(options.engine ?? { folders: engineFolders(loadWorkerConfig()) }),
    },
    shutdownGraceTime: SHUTDOWN_GRACE_TIME,
    ...(options.metrics ? { interceptors: { activity: [activityMetricsInterceptor(options.metrics)] } } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

async function run(): Promise<void> {
  const config = loadWorkerConfig();
  // TEMPORAL_METRICS_PORT=0: no exporter (a port picked by the Temporal core could not be found by a scraper)
  const temporalMetrics =
    config.TEMPORAL_METRICS_PORT === 0 ? null : `${config.METRICS_HOST}:${config.TEMPORAL_METRICS_PORT}`;
  // Before any connection: the runtime's own metrics go to a Prometheus exporter of the Temporal core, and
  // SIGINT/SIGTERM start the worker's graceful shutdown (polling stops, in-flight tasks get SHUTDOWN_GRACE_TIME).
  Runtime.install({
    ...(temporalMetrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: temporalMetrics } } } } : {}),
    shutdownSignals: ["SIGINT", "SIGTERM"],
  });
  const metrics = createWorkerMetrics();
  const endpoint = await serveMetrics({
    registry: metrics.registry,
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    ...(temporalMetrics ? { alsoScrape: `http://${temporalMetrics}/metrics` } : {}),
  });
  try {
    // The work folder is made here, so a fresh path in WORK_DIR works (activities make their folders inside it).
    if (config.WORK_DIR) await mkdir(config.WORK_DIR, { recursive: true });
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    try {
      const worker = await createOptimizeWorker({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TASK_QUEUE,
        metrics,
        engine: { folders: engineFolders(config), ...(config.WORK_DIR ? { workDir: config.WORK_DIR } : {}) },
      });
      console.log(
        `worker polling task queue ${config.TASK_QUEUE} of ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}); metrics at ${endpoint.url}${temporalMetrics ? ` (Temporal runtime's also at http://${temporalMetrics}/metrics)` : ""}`,
      );
      // worker.run() resolves after SIGINT/SIGTERM once in-flight tasks are done or the grace time is over.
      await worker.run();
      console.log("worker stopped");
    } finally {
      await connection.close();
    }
  } finally {
    await endpoint.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
