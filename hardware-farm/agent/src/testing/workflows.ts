import { proxyActivities } from "@temporalio/workflow";

// the grid health check, to prove a farm queue is served
export { gridHealthCheck } from "@tinyml/workflows";

import {
  type FarmActivities,
  type FarmRunRequest,
  type FarmRunResult,
  farmTaskQueue,
} from "@tinyml/workflows/contracts";

/**
 * Test support (not part of the package build): a workflow that schedules one farm benchmark, as optimizeModel
 * does, with the timeouts a test picks. Started with `priority: { priorityKey }`, its activity inherits the
 * priority, which is how a busy board serves Pro jobs before Free ones.
 */
export interface FarmBenchmarkOptions {
  /** A dead agent is noticed after this long without a heartbeat. */
  heartbeatTimeoutMs: number;
  startToCloseTimeoutMs: number;
  maximumAttempts: number;
}

export async function farmBenchmark(request: FarmRunRequest, options: FarmBenchmarkOptions): Promise<FarmRunResult> {
  const { runBenchmark } = proxyActivities<FarmActivities>({
    taskQueue: farmTaskQueue(request.target),
    heartbeatTimeout: options.heartbeatTimeoutMs,
    startToCloseTimeout: options.startToCloseTimeoutMs,
    retry: { initialInterval: "500ms", backoffCoefficient: 1, maximumAttempts: options.maximumAttempts },
  });
  return runBenchmark(request);
}
