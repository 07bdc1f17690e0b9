import { createRequire } from "node:module";
import { NativeConnection, Worker } from "@temporalio/worker";
import { TASK_QUEUES } from "@tinyml/workflows/contracts";
import { loadWorkerConfig } from "./config.js";
import { createHealthActivities } from "./health-activities.js";

const require = createRequire(import.meta.url);

/** Path of the workflows package's entry, which the worker bundles. */
export const workflowsPath = (): string => require.resolve("@tinyml/workflows");

export interface OptimizeWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  identity?: string;
}

/** The worker of the `optimize` task queue: hosts the workflows and the engine's activities. */
export async function createOptimizeWorker(options: OptimizeWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? "default",
    taskQueue: options.taskQueue ?? TASK_QUEUES.optimize,
    workflowsPath: workflowsPath(),
    activities: { ...createHealthActivities() },
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

async function run(): Promise<void> {
  const config = loadWorkerConfig();
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const worker = await createOptimizeWorker({ connection, namespace: config.TEMPORAL_NAMESPACE });
    // worker.run() resolves after SIGINT/SIGTERM once in-flight tasks are done (the SDK's own shutdown hooks).
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
