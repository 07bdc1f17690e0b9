import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Client, WorkflowHandle } from "@temporalio/client";
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from "@temporalio/worker";
import { afterAll, beforeAll, inject } from "vitest";

/**
 * A probe workflow that schedules engine activities on a worker's engine queue (`<TASK_QUEUE>.engine`) the way
 * optimizeModel does (same retry policy: bad input is never retried), so a test can drive a worker process's
 * heavy activities one by one or many at once. The workflow runs in a worker of the test's own process.
 */

const env = inject("stackEnv");

const PROBE_WORKFLOWS = `
import { proxyActivities } from "@temporalio/workflow";

const engineOn = (taskQueue) =>
  proxyActivities({
    taskQueue,
    startToCloseTimeout: "10 minutes",
    heartbeatTimeout: "20 seconds",
    retry: { maximumAttempts: 5, initialInterval: "1 second", nonRetryableErrorTypes: ["BadInput"] },
  });

/** Runs calls = [[activity, request], …] on taskQueue, one after the other or all at once. */
export async function engineProbe(taskQueue, calls, parallel) {
  const engine = engineOn(taskQueue);
  if (parallel) return Promise.all(calls.map(([name, request]) => engine[name](request)));
  const results = [];
  for (const [name, request] of calls) results.push(await engine[name](request));
  return results;
}
`;

export type ProbeCall = [activity: string, request: unknown];

export interface EngineProbe {
  /** Starts the probe on `engineQueue`; the handle's result is the activities' results in order. */
  start(engineQueue: string, calls: ProbeCall[], parallel?: boolean): Promise<WorkflowHandle>;
}

/** Bundles the probe and runs its workflow worker for the calling test file; `client` starts the probes. */
export function useEngineProbe(temporal: { client: Client }): EngineProbe {
  const probeQueue = `engine-probe-${randomUUID()}`;
  let dir: string;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "engine-probe-"));
    const fromWorker = createRequire(createRequire(import.meta.url).resolve("@temporalio/worker"));
    const workflowPackage = dirname(fromWorker.resolve("@temporalio/workflow/package.json"));
    await mkdir(join(dir, "node_modules", "@temporalio"), { recursive: true });
    await symlink(workflowPackage, join(dir, "node_modules", "@temporalio", "workflow"), "dir");
    await writeFile(join(dir, "probe-workflows.js"), PROBE_WORKFLOWS);
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: join(dir, "probe-workflows.js"),
      logger: new DefaultLogger("WARN"),
    });
    connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS as string });
    worker = await Worker.create({ connection, taskQueue: probeQueue, workflowBundle });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    start: (engineQueue, calls, parallel = false) =>
      temporal.client.workflow.start("engineProbe", {
        args: [engineQueue, calls, parallel],
        taskQueue: probeQueue,
        workflowId: `engine-probe-${randomUUID()}`,
      }),
  };
}
