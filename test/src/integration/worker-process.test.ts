import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { watch } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { gridHealthCheck } from "@tinyml/workflows";
import { engineTaskQueue, JobSpec, jobArtifactKey } from "@tinyml/workflows/contracts";
import { afterAll, describe, expect, inject, it } from "vitest";
import { findFreePortRange, REPO_ROOT } from "../services/launch.js";
import { useTemporalClient } from "./support/control-plane-grid.js";
import { type ProbeCall, useEngineProbe } from "./support/engine-probe.js";
import { ref, uploadsOf, useJobBucket, workDir } from "./support/job-bucket.js";
import { startWorkerProcess, type WorkerProcess } from "./support/worker-process.js";

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
        WORK_DIR: join(tmpdir(), `worker-process-${randomUUID()}`),
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

describe("the worker's folders, temporary files and heavy activities (issue 11, item 9)", () => {
  useJobBucket();
  const temporal = useTemporalClient();
  const probe = useEngineProbe(temporal);
  const started: WorkerProcess[] = [];
  const startWorker = async (vars: Record<string, string>) => {
    const worker = startWorkerProcess(vars);
    started.push(worker);
    await worker.polling();
    return worker;
  };
  afterAll(() => {
    for (const w of started) w.kill();
  });
  /** The folder a worker process claims under WORK_DIR. */
  const folderOf = (work: string, pid: number) => join(work, `worker-${hostname().replace(/[^\w.-]/g, "_")}-${pid}`);

  async function quantizeRequest(jobId: string, quantizationType: "int8" | "fp16" = "int8") {
    return {
      jobId,
      spec: JobSpec.parse({ hardwareTarget: "cortex-m4", modelFramework: "tflite", quantizationType }),
      model: { ...(await ref("inputs/kws.tflite")), fileName: "kws_ref_model_float32.tflite" },
      dataset: { ...(await ref("inputs/kws_eembc.npz")), fileName: "kws_eembc.npz", maxInflatedBytes: 100_000_000 },
      uploads: await uploadsOf(jobId, ["model.tflite", "model.onnx", "report.json", "c.tar.gz"]),
    };
  }

  async function until(check: () => Promise<boolean>, what: string, ms = 120_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("a worker killed with SIGKILL mid-job leaves its folder; the next worker on that WORK_DIR removes it", async () => {
    const work = join(workDir(), "shared-work");
    const queue = `worker-kill-${randomUUID()}`;
    const first = await startWorker({ TASK_QUEUE: queue, WORK_DIR: work });
    const handle = await probe.start(engineTaskQueue(queue), [["quantizeModel", await quantizeRequest("kill-1")]]);
    const own = folderOf(work, first.pid);
    const busy = async () => (await readdir(own).catch(() => [])).some((n) => n.startsWith("quantize-"));
    await until(busy, "the first worker works in its folder");
    first.kill();
    await first.exited;
    expect(await busy()).toBe(true); // SIGKILL: nothing could clean up
    // another queue: the second worker must not pick the killed job up, only clean what the first one left
    const second = await startWorker({ TASK_QUEUE: `worker-clean-${randomUUID()}`, WORK_DIR: work });
    expect(await readdir(work)).toEqual([basename(folderOf(work, second.pid))]);
    expect(second.output()).toContain(`removed ${own}, left by a worker that is gone`);
    await handle.terminate("test over");
  });

  it("writes nothing to the system's temporary folder during a job: quantize with C, then the firmware build", async () => {
    const tmp = join(workDir(), "watched-tmp");
    await mkdir(tmp, { recursive: true });
    const work = join(workDir(), "tmp-work");
    const queue = `worker-tmp-${randomUUID()}`;
    const worker = await startWorker({ TASK_QUEUE: queue, WORK_DIR: work, TMPDIR: tmp });
    const written: string[] = [];
    const watcher = watch(tmp, { recursive: true }, (event, name) => written.push(`${event} ${name}`));
    try {
      const jobId = `tmp-${randomUUID()}`;
      const compile = {
        jobId,
        target: "cortex-m4",
        c: await ref(jobArtifactKey(jobId, "c.tar.gz")),
        dataset: { ...(await ref("inputs/kws_eembc.npz")), fileName: "kws_eembc.npz", maxInflatedBytes: 100_000_000 },
        samples: 10,
        uploads: await uploadsOf(jobId, ["firmware.elf", "firmware.map", "inputs.bin", "expected.bin"]),
      };
      const handle = await probe.start(engineTaskQueue(queue), [
        ["quantizeModel", await quantizeRequest(jobId)],
        ["compileFirmware", compile],
      ]);
      const [quantized, compiled] = (await handle.result()) as [{ generatedC: boolean }, { inferences: number }];
      expect(quantized.generatedC).toBe(true);
      expect(compiled.inferences).toBe(10);
    } finally {
      watcher.close();
    }
    expect(written).toEqual([]);
    expect(await readdir(folderOf(work, worker.pid))).toEqual([]); // every activity removed its folder
  });

  it("runs at most MAX_CONCURRENT_HEAVY_ACTIVITIES engine activities at once; its health check never waits", async () => {
    const queue = `worker-cap-${randomUUID()}`;
    const worker = await startWorker({
      TASK_QUEUE: queue,
      WORK_DIR: join(workDir(), "cap-work"),
      MAX_CONCURRENT_HEAVY_ACTIVITIES: "2",
    });
    const calls = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => ["quantizeModel", await quantizeRequest(`cap-${i}`, "fp16")] as const),
    );
    const handle = await probe.start(engineTaskQueue(queue), calls as unknown as ProbeCall[], true);
    const heavy = handle.result().then(() => performance.now());
    const [health] = await temporal.client.workflow.execute(gridHealthCheck, {
      args: [[queue]],
      taskQueue: queue,
      workflowId: `worker-cap-health-${randomUUID()}`,
    });
    const healthDone = performance.now();
    expect(health?.pid).toBe(worker.pid);
    expect(healthDone).toBeLessThan(await heavy);
    // From the probe's history: when each activity started and ended; at no moment were more than 2 running.
    const events = (await handle.fetchHistory()).events ?? [];
    const at = (e: (typeof events)[number]) =>
      Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
    const edges = events.flatMap((e) =>
      e.activityTaskStartedEventAttributes
        ? [{ t: at(e), d: 1 }]
        : e.activityTaskCompletedEventAttributes
          ? [{ t: at(e), d: -1 }]
          : [],
    );
    expect(edges.filter((e) => e.d === 1)).toHaveLength(5);
    let running = 0;
    let most = 0;
    for (const { d } of edges.sort((a, b) => a.t - b.t || a.d - b.d)) {
      running += d;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
  });
});
