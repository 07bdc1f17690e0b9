import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ActivityFailure, WorkflowFailedError } from "@temporalio/client";
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from "@temporalio/worker";
import { createOptimizeWorker } from "@tinyml/workers";
import { gridHealthCheck } from "@tinyml/workflows";
import { FAILURE_TYPES } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  env,
  KWS_TFLITE,
  type Served,
  serveControlPlane,
  sha256,
  signup,
  submitJob,
  trpcOf,
  useTemporalClient,
} from "./support/control-plane-grid.js";

const temporal = useTemporalClient();

/**
 * The control-plane activity worker on the real Temporal server: it polls its own task queue, executes a probe
 * workflow's activities, answers the grid health check and stops cleanly.
 */

/** The probe workflow: calls the control-plane activities the way optimizeModel does, on a given task queue. */
const PROBE_WORKFLOWS = `
import { proxyActivities } from "@temporalio/workflow";

export async function controlPlaneProbe(taskQueue, jobId) {
  const cp = proxyActivities({
    taskQueue,
    startToCloseTimeout: "30 seconds",
    retry: { maximumAttempts: 5, initialInterval: "100 milliseconds" },
  });
  const started = await cp.startJobRun(jobId);
  if (started.kind !== "run") return { kind: started.kind };
  await cp.recordJobProgress(jobId, { stage: "quantize", progress: 0.5, message: "probe: quantizing" });
  const bundle = started.run.artifactUploads["bundle.tar.gz"];
  await cp.recordJobResult(jobId, {
    metrics: { flash_bytes: { value: 1234, unit: "B", source: "emulated" } },
    artifact: { key: bundle.key, fileName: "bundle.tar.gz" },
    notes: ["probe note"],
  });
  return { kind: started.kind, modelSha256: started.run.model.sha256, bundleUrl: bundle.url };
}
`;

/** Bundles PROBE_WORKFLOWS from a scratch folder that links the worker's own @temporalio/workflow. */
async function bundleProbeWorkflows(dir: string) {
  const fromWorker = createRequire(createRequire(import.meta.url).resolve("@temporalio/worker"));
  const workflowPackage = dirname(fromWorker.resolve("@temporalio/workflow/package.json"));
  await mkdir(join(dir, "node_modules", "@temporalio"), { recursive: true });
  await symlink(workflowPackage, join(dir, "node_modules", "@temporalio", "workflow"), "dir");
  await writeFile(join(dir, "probe-workflows.js"), PROBE_WORKFLOWS);
  return bundleWorkflowCode({ workflowsPath: join(dir, "probe-workflows.js"), logger: new DefaultLogger("WARN") });
}

describe("the control-plane activity worker on the real Temporal server", () => {
  let served: Served;
  let scratch: string;
  let workerConnection: NativeConnection;

  beforeAll(async () => {
    served = await serveControlPlane({ CONTROL_PLANE_WORKER: "true", WORKER_RETRY_MS: "500" });
    scratch = await mkdtemp(join(tmpdir(), "cp-grid-probe-"));
    workerConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS as string });
  });
  afterAll(async () => {
    await served?.close();
    await workerConnection?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it("polls its task queue and executes the activities a workflow schedules there", async () => {
    const { cp, taskQueue } = served;
    await cp.activityWorker?.whenRunning();
    expect(cp.activityWorker?.state).toBe("running");
    const user = await signup(cp, "Probe");
    const kws = await readFile(KWS_TFLITE);
    const job = await submitJob(cp, user.token);

    const workflowQueue = `probe-${randomUUID()}`;
    const workflowBundle = await bundleProbeWorkflows(scratch);
    const worker = await Worker.create({ connection: workerConnection, taskQueue: workflowQueue, workflowBundle });
    const result = (await worker.runUntil(
      temporal.client.workflow.execute("controlPlaneProbe", {
        taskQueue: workflowQueue,
        workflowId: `probe-${randomUUID()}`,
        args: [taskQueue, job.id],
      }),
    )) as { kind: string; modelSha256: string; bundleUrl: string };
    expect(result).toMatchObject({ kind: "run", modelSha256: sha256(kws) });
    const results = await trpcOf(cp, user.caller).jobs.results({ id: job.id });
    expect(results).toMatchObject({
      status: "completed",
      metrics: { flash_bytes: { value: 1234, unit: "B", source: "emulated" } },
      artifact: "bundle.tar.gz",
    });

    // An unknown job fails the workflow at once: the activity's failure is non-retryable.
    const failing = await Worker.create({ connection: workerConnection, taskQueue: workflowQueue, workflowBundle });
    const unknown = randomUUID();
    const outcome = await failing.runUntil(
      temporal.client.workflow
        .execute("controlPlaneProbe", {
          taskQueue: workflowQueue,
          workflowId: `probe-${randomUUID()}`,
          args: [taskQueue, unknown],
        })
        .then(
          () => null,
          (e: unknown) => e,
        ),
    );
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (outcome as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect((activityFailure as ActivityFailure).cause).toMatchObject({
      type: FAILURE_TYPES.jobNotRunnable,
      nonRetryable: true,
      message: `job ${unknown} does not exist in this control plane`,
    });
  });

  it("answers the grid health check on its task queue", async () => {
    const workflowQueue = `health-${randomUUID()}`;
    const worker = await createOptimizeWorker({ connection: workerConnection, taskQueue: workflowQueue });
    const [report] = await worker.runUntil(
      temporal.client.workflow.execute(gridHealthCheck, {
        args: [[served.taskQueue]],
        taskQueue: workflowQueue,
        workflowId: `health-${randomUUID()}`,
      }),
    );
    expect(report).toMatchObject({ taskQueue: served.taskQueue, pid: process.pid });
  });

  it("does not hold the HTTP server up while Temporal is unreachable, and stops cleanly", async () => {
    const lines: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]) => void lines.push(args.join(" "));
    const offline = await serveControlPlane({
      CONTROL_PLANE_WORKER: "true",
      TEMPORAL_ADDRESS: "127.0.0.1:1",
      WORKER_RETRY_MS: "200",
    });
    try {
      expect((await fetch(`${offline.url}/health`)).status).toBe(200);
      await new Promise((done) => setTimeout(done, 800));
      expect(offline.cp.activityWorker?.state).toBe("connecting");
    } finally {
      const stopping = Date.now();
      await offline.close();
      console.log = original;
      expect(Date.now() - stopping).toBeLessThan(5000);
    }
    expect(offline.cp.activityWorker?.state).toBe("stopped");
    // Retried every 200 ms, but the same problem is logged once.
    expect(lines.filter((l) => l.includes("Temporal at 127.0.0.1:1 is unreachable"))).toHaveLength(1);
  });
});
