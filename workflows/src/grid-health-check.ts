import { proxyActivities } from "@temporalio/workflow";
import type { HealthActivities, WorkerHealth } from "./contracts/health.js";

/** How long a queue may take to pick the check up before it counts as unserved. */
const HEALTH_CHECK_SCHEDULE_TO_CLOSE = "30 seconds";

/**
 * Asks one worker on each of the given task queues to report itself; fails if any queue is not served
 * within HEALTH_CHECK_SCHEDULE_TO_CLOSE.
 */
export async function gridHealthCheck(taskQueues: string[]): Promise<WorkerHealth[]> {
  return Promise.all(
    taskQueues.map((taskQueue) => {
      const { reportWorkerHealth } = proxyActivities<HealthActivities>({
        taskQueue,
        scheduleToCloseTimeout: HEALTH_CHECK_SCHEDULE_TO_CLOSE,
        retry: { maximumAttempts: 1 },
      });
      return reportWorkerHealth(taskQueue);
    }),
  );
}
