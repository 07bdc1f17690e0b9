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
