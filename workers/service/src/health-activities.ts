import { hostname } from "node:os";
import type { HealthActivities, WorkerHealth } from "@tinyml/workflows/contracts";

export interface HealthActivityDeps {
  hostname?: () => string;
  now?: () => Date;
}

/** The grid health check's activity: the worker says who and where it is. */
export function createHealthActivities(deps: HealthActivityDeps = {}): HealthActivities {
  const host = deps.hostname ?? hostname;
  const now = deps.now ?? (() => new Date());
  return {
    async reportWorkerHealth(taskQueue: string): Promise<WorkerHealth> {
      return {
        taskQueue,
        hostname: host(),
        pid: process.pid,
        nodeVersion: process.version,
        respondedAt: now().toISOString(),
      };
    },
  };
}
