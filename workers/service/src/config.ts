import { fileURLToPath } from "node:url";
import { TASK_QUEUES } from "@tinyml/workflows/contracts";
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);

/** A folder of the repository checkout this worker runs from (workers/service/src or dist, three levels down). */
function fromCheckout(path: string): string {
  return fileURLToPath(new URL(`../../../${path}`, import.meta.url));
}

/** The worker process's configuration, read once from the environment and validated. */
export const WorkerConfig = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default("127.0.0.1:7233"),
  TEMPORAL_NAMESPACE: z.string().min(1).default("default"),
  /** The task queue it polls: `optimize` in the grid; another name isolates a test or a developer's worker. */
  TASK_QUEUE: z.string().min(1).default(TASK_QUEUES.optimize),
  /** `GET /metrics` of the worker (activities by outcome and duration, Node.js process, and Temporal's below); 0: a free port (logged). */
  METRICS_PORT: port.default(9464),
  /** Address the metrics endpoints bind to (0.0.0.0 for a Prometheus on another host). */
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  /** The Temporal runtime's own Prometheus exporter (task slots, polls, caches), also appended to METRICS_PORT; 0: none. */
  TEMPORAL_METRICS_PORT: port.default(9465),
  /** Where activities make their work folders (the OS temp folder by default). */
  WORK_DIR: z.string().min(1).optional(),
  /** The embedded runtime (sdk/embedded) the generated C ships with; this checkout's by default. */
  RUNTIME_DIR: z.string().min(1).default(fromCheckout("sdk/embedded/")),
  /** The benchmark firmware (hardware-farm/firmware: board support and harness); this checkout's by default. */
  FIRMWARE_DIR: z.string().min(1).default(fromCheckout("hardware-farm/firmware/")),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = WorkerConfig.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid worker configuration: ${issues}`);
  }
  return parsed.data;
}

/** The folders the engine is given (it looks for none by itself). */
export function engineFolders(config: WorkerConfig): { runtimeDir: string; firmwareDir: string } {
  return { runtimeDir: config.RUNTIME_DIR, firmwareDir: config.FIRMWARE_DIR };
}
