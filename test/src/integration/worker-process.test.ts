import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { gridHealthCheck } from "@tinyml/workflows";
import { describe, expect, inject, it } from "vitest";
import { findFreePortRange, REPO_ROOT } from "../services/launch.js";

/** The optimize worker as a process on the real Temporal dev server: its task queue, its metrics, its shutdown. */

const env = inject("stackEnv");

describe("the worker process (workers/service dist/worker.js)", () => {
  it("runs activities on its task queue, serves their metrics and Temporal's, and stops on SIGTERM", async () => {
    const port = await findFreePortRange(2);
    const taskQueue = `optimize-test-${randomUUID()}`;
    const child = spawn(process.execPath, [join(REPO_ROOT, "workers/service/dist/worker.js")], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS as string,
        TASK_QUEUE: taskQueue,
        METRICS_PORT: String(port),
        TEMPORAL_METRICS_PORT: String(port + 1),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes(`worker polling task queue ${taskQueue}`)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the worker did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const client = new Client({ connection });
      const [health] = await client.workflow.execute(gridHealthCheck, {
        args: [[taskQueue]],
        taskQueue,
        workflowId: `worker-process-${randomUUID()}`,
      });
      expect(health?.pid).toBe(child.pid);

      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toContain('tinyml_worker_activities_total{activity="reportWorkerHealth",outcome="completed"} 1');
      expect(text).toMatch(
        /tinyml_worker_activity_duration_seconds_count\{activity="reportWorkerHealth",outcome="completed"\} 1/,
      );
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      // the Temporal runtime's own exporter, on its port and appended to the worker's
      const temporal = await (await fetch(`http://127.0.0.1:${port + 1}/metrics`)).text();
      const temporalMetric = temporal.match(/^(temporal_\w+)/m)?.[1];
      expect(temporalMetric).toBeDefined();
      expect(text).toContain(`${temporalMetric}`);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await connection.close();
    }
  }, 60_000);
});
