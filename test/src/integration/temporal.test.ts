import { randomUUID } from "node:crypto";
import { Client, Connection, WorkflowFailedError } from "@temporalio/client";
import { DefaultLogger, NativeConnection, Runtime } from "@temporalio/worker";
import { createOptimizeWorker } from "@tinyml/workers";
import { gridHealthCheck } from "@tinyml/workflows";
import { WorkerHealth } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const { TEMPORAL_ADDRESS } = inject("stackEnv");
let workerConnection: NativeConnection;
let clientConnection: Connection;
let client: Client;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger("WARN") });
  workerConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  clientConnection = await Connection.connect({ address: TEMPORAL_ADDRESS });
  client = new Client({ connection: clientConnection });
});
afterAll(async () => {
  await clientConnection?.close();
  await workerConnection?.close();
});

describe("Temporal (real dev server)", () => {
  it("a worker runs the grid health check workflow to completion and the client reads its result", async () => {
    const taskQueue = `test-${randomUUID()}`;
    const worker = await createOptimizeWorker({
      connection: workerConnection,
      taskQueue,
      identity: "integration-worker",
    });
    const workflowId = `health-${randomUUID()}`;
    const result = await worker.runUntil(
      client.workflow.execute(gridHealthCheck, { args: [[taskQueue]], taskQueue, workflowId }),
    );
    expect(result).toHaveLength(1);
    const report = WorkerHealth.parse(result[0]);
    expect(report.taskQueue).toBe(taskQueue);
    expect(report.pid).toBe(process.pid);

    // The server kept the execution: its history says it completed.
    const description = await client.workflow.getHandle(workflowId).describe();
    expect(description.status.name).toBe("COMPLETED");
    expect(description.type).toBe("gridHealthCheck");
  });

  it("ends an execution of an unregistered workflow type with a failure at its timeout, not a hang", async () => {
    const taskQueue = `test-${randomUUID()}`;
    const worker = await createOptimizeWorker({ connection: workerConnection, taskQueue });
    const run = client.workflow.execute("noSuchWorkflow", {
      args: [],
      taskQueue,
      workflowId: `missing-${randomUUID()}`,
      workflowExecutionTimeout: "4 seconds",
    });
    const outcome = await worker.runUntil(run.then(() => "completed").catch((e: unknown) => e));
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
  });
});
