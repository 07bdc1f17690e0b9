import { availableParallelism, homedir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TASK_QUEUES } from "@tinyml/workflows/contracts";
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const MiB = 1024 * 1024;

/** Half the cores (at least one): a quantization keeps a core busy, and ONNX Runtime takes more for a while. */
const defaultHeavyActivities = (): number => Math.max(1, Math.floor(availableParallelism() / 2));
/** Three quarters of the machine's memory, the rest left to the system and the other processes. */
const defaultMemoryMb = (): number => Math.floor((totalmem() * 0.75) / MiB);

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
  /**
   * Where the worker makes its own folder (`worker-<host>-<pid>`), inside which each activity makes its work
   * folder; at start it removes the folders of this host's workers that are gone. Default
   * `$XDG_CACHE_HOME/tinyml-worker` (`~/.cache/tinyml-worker`), never the system's temporary folder.
   */
  WORK_DIR: z.string().min(1).optional(),
  /**
   * Heavy activities (the engine's: analyze, quantize, compile, finish) one worker runs at once, on task queue
   * `<TASK_QUEUE>.engine`; the health check on TASK_QUEUE is never kept waiting by them. Default: half the cores.
   */
  MAX_CONCURRENT_HEAVY_ACTIVITIES: z.coerce.number().int().min(1).max(256).default(defaultHeavyActivities),
  /**
   * The memory the worker may use, in MiB, shared among its heavy activities: each gets
   * WORKER_MEMORY_MB / MAX_CONCURRENT_HEAVY_ACTIVITIES, the heap limit of its engine thread, and reads a dataset
   * only when its arrays fit in a quarter of that once inflated. Default: three quarters of the machine's memory.
   */
  WORKER_MEMORY_MB: z.coerce.number().int().min(256).default(defaultMemoryMb),
  /** The embedded runtime (sdk/embedded) the generated C ships with; this checkout's by default. */
  RUNTIME_DIR: z.string().min(1).default(fromCheckout("sdk/embedded/")),
  /** The benchmark firmware (hardware-farm/firmware: board support and harness); this checkout's by default. */
  FIRMWARE_DIR: z.string().min(1).default(fromCheckout("hardware-farm/firmware/")),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig & { WORK_DIR: string } {
  const parsed = WorkerConfig.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid worker configuration: ${issues}`);
  }
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return { ...parsed.data, WORK_DIR: parsed.data.WORK_DIR ?? join(cache, "tinyml-worker") };
}

/** What one heavy activity may use: its share of WORKER_MEMORY_MB, and the largest dataset it reads (a quarter). */
export interface ActivityBudget {
  memoryMb: number;
  maxDatasetBytes: number;
}

export function activityBudget(config: WorkerConfig): ActivityBudget {
  const memoryMb = Math.floor(config.WORKER_MEMORY_MB / config.MAX_CONCURRENT_HEAVY_ACTIVITIES);
  return { memoryMb, maxDatasetBytes: Math.floor((memoryMb * MiB) / 4) };
}

/** The folders the engine is given (it looks for none by itself). */
export function engineFolders(config: WorkerConfig): { runtimeDir: string; firmwareDir: string } {
  return { runtimeDir: config.RUNTIME_DIR, firmwareDir: config.FIRMWARE_DIR };
}
