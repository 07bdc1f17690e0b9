import { hostname } from "node:os";
import type { HealthActivities, WorkerHealth } from "@tinyml/workflows/contracts";

/**
 * The grid health check's activity, which every worker of the grid registers: the agent says who and where it is,
 * so `gridHealthCheck(["farm.cortex-m4"])` proves a farm queue is served. It takes a board slot like a benchmark
 * (an agent whose boards are all busy answers when one frees up; one without a healthy board does not answer).
 */
export function createHealthActivities(): HealthActivities {
  return {
    async reportWorkerHealth(taskQueue: string): Promise<WorkerHealth> {
      return {
        taskQueue,
        hostname: hostname(),
        pid: process.pid,
        nodeVersion: process.version,
        respondedAt: new Date().toISOString(),
      };
    },
  };
}
