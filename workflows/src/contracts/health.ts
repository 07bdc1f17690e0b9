import { z } from "zod";

/**
 * Grid health check: a worker on a task queue answers with what it is, so an operator (or the demo) can
 * prove that a queue is served before sending real work to it.
 */
export const WorkerHealth = z.object({
  taskQueue: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  nodeVersion: z.string(),
  respondedAt: z.string(),
});
export type WorkerHealth = z.infer<typeof WorkerHealth>;

/** Activities every worker of the grid registers. */
export interface HealthActivities {
  reportWorkerHealth(taskQueue: string): Promise<WorkerHealth>;
}

export interface HealthActivityDeps {
  /** The host's name (node:os `hostname`: the contracts cannot import it, so each process passes its own). */
  hostname: () => string;
  now?: () => Date;
}

/**
 * The health check's activity, the same in every process of the grid (the optimize worker, each farm agent, the
 * control plane): it says which queue it answered on and who and where it is. Activity code only: it reads the
 * process it runs in.
 */
export function createHealthActivities(deps: HealthActivityDeps): HealthActivities {
  const now = deps.now ?? (() => new Date());
  return {
    async reportWorkerHealth(taskQueue: string): Promise<WorkerHealth> {
      return {
        taskQueue,
        hostname: deps.hostname(),
        pid: process.pid,
        nodeVersion: process.version,
        respondedAt: now().toISOString(),
      };
    },
  };
}
