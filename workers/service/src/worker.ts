import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import { NativeConnection, Runtime, Worker } from "@temporalio/worker";
import { createHealthActivities, engineTaskQueue, TASK_QUEUES } from "@tinyml/workflows/contracts";
import { activityBudget, engineFolders, loadWorkerConfig } from "./config.js";
import { createEngineActivities, type EngineActivityDeps } from "./engine-activities.js";
import { activityMetricsInterceptor, createWorkerMetrics, serveMetrics, type WorkerMetrics } from "./metrics.js";
import { claimWorkerFolder } from "./work-folder.js";

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
  /** Counts and times every activity (tinyml_worker_activities_total, tinyml_worker_activity_duration_seconds). */
  metrics?: WorkerMetrics;
}

const interceptors = (metrics?: WorkerMetrics) =>
  metrics ? { interceptors: { activity: [activityMetricsInterceptor(metrics)] } } : {};

/** The worker of the `optimize` task queue: hosts the workflows and the health check, never held up by heavy work. */
export async function createOptimizeWorker(options: OptimizeWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? "default",
    taskQueue: options.taskQueue ?? TASK_QUEUES.optimize,
    workflowsPath: workflowsPath(),
    activities: createHealthActivities({ hostname }),
    shutdownGraceTime: SHUTDOWN_GRACE_TIME,
    ...interceptors(options.metrics),
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

/**
 * The worker of the engine's queue (`engineTaskQueue(taskQueue)`): the heavy activities, at most
 * `maxConcurrentActivities` at once. Temporal hands this worker no further task while its slots are taken, so the
 * others wait on the queue for any worker with a free slot.
 */
export async function createEngineWorker(
  options: OptimizeWorkerOptions & { engine: EngineActivityDeps; maxConcurrentActivities: number },
): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? "default",
    taskQueue: engineTaskQueue(options.taskQueue ?? TASK_QUEUES.optimize),
    activities: createEngineActivities(options.engine),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities,
    shutdownGraceTime: SHUTDOWN_GRACE_TIME,
    ...interceptors(options.metrics),
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
    // This worker's own folder under WORK_DIR; the folders of this host's workers that are gone are removed first.
    const folder = await claimWorkerFolder(config.WORK_DIR);
    for (const path of folder.removed) console.log(`removed ${path}, left by a worker that is gone`);
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    try {
      const common = { connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TASK_QUEUE, metrics };
      const main = await createOptimizeWorker(common);
      const engine = await createEngineWorker({
        ...common,
        engine: { folders: engineFolders(config), workDir: folder.path, budget: activityBudget(config) },
        maxConcurrentActivities: config.MAX_CONCURRENT_HEAVY_ACTIVITIES,
      });
      console.log(
        `worker polling task queue ${config.TASK_QUEUE} and ${engineTaskQueue(config.TASK_QUEUE)} (at most ${config.MAX_CONCURRENT_HEAVY_ACTIVITIES} at once, ${config.WORKER_MEMORY_MB} MB) of ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}); work folder ${folder.path}; metrics at ${endpoint.url}${temporalMetrics ? ` (Temporal runtime's also at http://${temporalMetrics}/metrics)` : ""}`,
      );
      // run() resolves after SIGINT/SIGTERM once in-flight tasks are done or the grace time is over; one worker
      // that fails stops the other, and the process exits with the failure.
      const stopBoth = (e: unknown): never => {
        for (const w of [main, engine]) if (w.getState() === "RUNNING") w.shutdown();
        throw e;
      };
      await Promise.all([main.run().catch(stopBoth), engine.run().catch(stopBoth)]);
      await rm(folder.path, { recursive: true, force: true });
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
