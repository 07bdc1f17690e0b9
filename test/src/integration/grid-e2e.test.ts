import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { serve } from "@hono/node-server";
import { Client, Connection } from "@temporalio/client";
import { type ControlPlane, createControlPlane, loadControlPlaneConfig } from "@tinyml/control-plane";
import type { TinymlClient } from "@tinyml/sdk";
import { jobArtifactPrefix, optimizeModelWorkflowId } from "@tinyml/workflows/contracts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import { type GridProcess, startFarmAgent, startWorker } from "../services/processes.js";
import { freshPostgresDatabase, s3BlobSettings, signUpWithApiKey } from "../services/stack-settings.js";
import { activityAttempts } from "./support/workflow-history.js";

/**
 * The grid end to end on the production parts: the control plane on PostgreSQL and the S3-compatible server
 * (with its control-plane activity worker), an optimize worker process, farm agent processes with QEMU boards, all
 * on the real Temporal dev server in a namespace of their own. Jobs go in through the SDK and the CLI.
 */

const run = promisify(execFile);
const env = inject("stackEnv");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures"));
const KWS = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model_float32.tflite");
const KWS_DATA = join(REPO_ROOT, ".tmp/fixtures/kws_eembc.npz");
const ENGINE_CLI = join(REPO_ROOT, "workers/engine/bin/tinyml-engine.js");
const TINYML_CLI = join(REPO_ROOT, "sdk/client/dist/cli.js");
const FARM_TOKEN = `farm-${randomUUID()}`;

let dir: string;
let namespace: string;
let databaseUrl: string;
let cp: ControlPlane;
let server: ReturnType<typeof serve>;
let url: string;
let temporalConnection: Connection;
let temporal: Client;
let db: pg.Client;
let s3: S3Client;
let apiKey: string;
let api: TinymlClient;
let projectId: string;
const processes: GridProcess[] = [];

const gridEnv = () => ({
  TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS as string,
  TEMPORAL_NAMESPACE: namespace,
  CONTROL_PLANE_URL: url,
  FARM_TOKEN,
  METRICS_PORT: "0",
  TEMPORAL_METRICS_PORT: "0",
});

async function worker(name: string) {
  const p = startWorker(name, gridEnv(), dir);
  processes.push(p);
  await p.waitFor(/worker .*(running|started|polling)/i);
  return p;
}

async function agent(name: string) {
  const p = await startFarmAgent(name, { target: "cortex-m4", count: 1 }, gridEnv(), dir);
  processes.push(p);
  await p.waitFor(/(polling|serving|started).*farm\.cortex-m4/i);
  return p;
}

async function submitKws(options: { model?: string } = {}) {
  return api.optimize(projectId, {
    model: options.model ?? KWS,
    dataset: KWS_DATA,
    hardwareTarget: "cortex-m4",
    modelFramework: "tflite",
    quantizationType: "int8",
  });
}

type Job = Awaited<ReturnType<TinymlClient["jobs"]["get"]["query"]>>;

async function waitForJob(
  id: string,
  until: (job: Job) => boolean,
  timeoutMs = 240_000,
  client: TinymlClient = api,
): Promise<Job> {
  const started = Date.now();
  for (;;) {
    const job = await client.jobs.get.query({ id });
    if (until(job)) return job;
    if (Date.now() - started > timeoutMs)
      throw new Error(`job ${id} still ${JSON.stringify(job)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const ended = (job: Job) => ["completed", "failed", "cancelled"].includes(job.status);

async function resultRows(jobId: string): Promise<number> {
  const { rows } = await db.query("select count(*)::int as n from job_results where job_id = $1", [jobId]);
  return rows[0].n as number;
}

async function artifactKeys(jobId: string): Promise<string[]> {
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: env.S3_BUCKET as string, Prefix: jobArtifactPrefix(jobId) }),
  );
  return (listed.Contents ?? []).map((o) => o.Key as string);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "grid-e2e-"));
  namespace = `e2e-${randomUUID().slice(0, 8)}`;
  temporalConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
  await run(join(REPO_ROOT, ".venv/bin/temporal"), [
    "operator",
    "namespace",
    "create",
    "--address",
    env.TEMPORAL_ADDRESS as string,
    "--namespace",
    namespace,
  ]);
  temporal = new Client({ connection: temporalConnection, namespace });

  databaseUrl = await freshPostgresDatabase(env, "e2e");
  db = new pg.Client({ connectionString: databaseUrl });

  s3 = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID as string, secretAccessKey: env.S3_SECRET_ACCESS_KEY as string },
  });

  cp = await createControlPlane(
    loadControlPlaneConfig({
      DATA_DIR: dir,
      DATABASE_URL: databaseUrl,
      ...s3BlobSettings(env),
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: namespace,
      CONTROL_PLANE_WORKER: "true",
      FARM_TOKEN,
      OUTBOX_PRINT: "false",
    }),
  );
  await db.connect();
  await new Promise<void>((done) => {
    server = serve({ fetch: cp.app.fetch, port: 0, hostname: "127.0.0.1" }, () => done());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  ({ apiKey, api } = await signUpWithApiKey(url, "e2e"));
  // Pro: the suite submits more jobs than Free's monthly five.
  await api.subscription.upgrade.mutate({ tier: "pro" });
  projectId = (await api.projects.create.mutate({ name: "e2e" })).id;

  await Promise.all([worker("worker-1"), agent("agent-a")]);
}, 240_000);

afterAll(async () => {
  await Promise.allSettled(processes.map((p) => p.stop()));
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  await cp?.close();
  await db?.end().catch(() => {});
  await temporalConnection?.close();
  s3?.destroy();
  await rm(dir, { recursive: true, force: true });
}, 120_000);

describe.sequential("the grid end to end", () => {
  it("a KWS job through the SDK completes, and its figures equal the engine CLI's on the same input", async () => {
    const job = await submitKws();
    const stages = new Set<string>();
    await new Promise<void>((done, fail) => {
      const sub = api.jobs.progress.subscribe(
        { id: job.id, intervalMs: 100 },
        {
          onData(j) {
            stages.add(j.stage);
            if (ended(j as Job)) {
              sub.unsubscribe();
              done();
            }
          },
          onError: fail,
        },
      );
    });
    const final = await api.jobs.get.query({ id: job.id });
    expect(final.status, final.error ?? "").toBe("completed");
    expect([...stages]).toEqual(expect.arrayContaining(["quantize", "compile", "benchmark", "done"]));
    // The workflow's own answer to the progress query agrees with the job row.
    const progress = await temporal.workflow
      .getHandle(optimizeModelWorkflowId(job.id))
      .query<{ status: string; stage: string; progress: number }>("progress");
    expect(progress).toMatchObject({ status: "completed", stage: "done", progress: 1 });
    const results = await api.results(job.id);
    const m = results.metrics as Record<string, { value: number; source: string }>;

    // The same optimization and benchmark, by the engine's CLI directly.
    const out = join(dir, "cli-kws");
    await run(
      process.execPath,
      [
        ENGINE_CLI,
        "optimize",
        KWS,
        "--dataset",
        KWS_DATA,
        "--target",
        "cortex-m4",
        "--quantize",
        "int8",
        "--emit",
        "c",
        "--out",
        out,
      ],
      { maxBuffer: 64 << 20 },
    );
    await run(
      process.execPath,
      [ENGINE_CLI, "bench", out, "--board", "cortex-m4", "--dataset", KWS_DATA, "--limit", "100"],
      { maxBuffer: 64 << 20 },
    );
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
    const bench = JSON.parse(await readFile(join(out, "benchmark.json"), "utf8"));
    const tflite = await readFile(join(out, "model.tflite"));

    expect(m.model_bytes_after?.value).toBe(tflite.length);
    expect(m.model_bytes_before?.value).toBe(report.baseline.sizeBytes);
    expect(m.accuracy_after?.value).toBe(report.optimized.quality.value);
    expect(m.accuracy_before?.value).toBe(report.baseline.quality.value);
    expect(m.instructions_per_inference).toMatchObject({ value: bench.instructions.mean, source: "emulated" });
    expect(m.flash_bytes).toMatchObject({ value: bench.memory.flashBytes, source: "emulated" });
    expect(m.ram_bytes).toMatchObject({ value: bench.memory.ramBytes, source: "emulated" });
    expect(m.latency_ms).toMatchObject({ value: bench.estimate.latencyMs, source: "estimated" });
    expect(m.board_accuracy?.value).toBe(bench.quality.value);
    expect(m.outputs_matching_host?.value).toBe(100);

    // The download is the bundle; its model.tflite is byte for byte the CLI's.
    const { stream, fileName } = await api.download(job.id);
    expect(fileName).toMatch(/\.tar\.gz$/);
    const bundle = join(dir, "bundle");
    await mkdir(bundle, { recursive: true });
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    await writeFile(join(bundle, fileName), Buffer.concat(chunks));
    await run("tar", ["-xzf", join(bundle, fileName), "-C", bundle]);
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    const shipped = await run("find", [bundle, "-name", "model.tflite"]);
    const shippedPath = shipped.stdout.trim().split("\n")[0] as string;
    expect(sha(await readFile(shippedPath))).toBe(sha(tflite));
    expect(await resultRows(job.id)).toBe(1);
  }, 400_000);

  it("kill -9 of the worker in the middle of a job: a restarted worker finishes it, results recorded once", async () => {
    const job = await submitKws();
    await waitForJob(job.id, (j) => j.stage === "quantize" || ended(j));
    const first = processes.find((p) => p.name === "worker-1") as GridProcess;
    await first.kill9();
    await worker("worker-2");
    const done = await waitForJob(job.id, ended, 300_000);
    expect(done.status, done.error ?? "").toBe("completed");
    expect(await resultRows(job.id)).toBe(1);
    const attempts = await activityAttempts(temporal, job.id);
    expect(attempts.quantizeModel).toBeGreaterThanOrEqual(2);
  }, 400_000);

  it("kill -9 of a farm agent during a benchmark: the benchmark completes on the second agent", async () => {
    await agent("agent-b");
    const job = await submitKws();
    await waitForJob(job.id, (j) => j.stage === "benchmark" || ended(j));
    // The board that took the benchmark reports it busy with this job.
    let busyHost = "";
    for (let i = 0; i < 300 && !busyHost; i++) {
      const boards = await api.farm.boards.query();
      busyHost = boards.find((b) => b.current_job_id === job.id)?.host ?? "";
      if (!busyHost) await new Promise((r) => setTimeout(r, 100));
    }
    expect(["agent-a", "agent-b"]).toContain(busyHost);
    await (processes.find((p) => p.name === busyHost) as GridProcess).kill9();
    const done = await waitForJob(job.id, ended, 300_000);
    expect(done.status, done.error ?? "").toBe("completed");
    expect((await activityAttempts(temporal, job.id)).runBenchmark).toBeGreaterThanOrEqual(2);
    const survivor = busyHost === "agent-a" ? "agent-b" : "agent-a";
    const results = await api.results(job.id);
    expect(JSON.stringify(results)).toContain(survivor);
  }, 400_000);

  it("cancelling a running job: cancelled, its artifacts removed, the quota not given back", async () => {
    const before = await api.subscription.get.query();
    const job = await submitKws();
    const afterSubmit = await api.subscription.get.query();
    expect(afterSubmit.usage.optimizations).toBe(before.usage.optimizations + 1);
    // Cancel while the firmware is being built: quantizeModel has written its artifacts by then.
    await waitForJob(job.id, (j) => j.stage === "compile" || ended(j));
    const written = await artifactKeys(job.id);
    expect(written.map((k) => k.slice(jobArtifactPrefix(job.id).length))).toEqual(
      expect.arrayContaining(["model.tflite", "model.onnx", "report.json", "c.tar.gz"]),
    );
    await api.cancel(job.id);
    const done = await waitForJob(job.id, ended);
    expect(done.status).toBe("cancelled");
    const description = await temporal.workflow
      .getHandle(optimizeModelWorkflowId(job.id))
      .result()
      .then(
        () => "completed",
        (e: Error) => `${e.name}: ${e.cause instanceof Error ? e.cause.name : ""}`,
      );
    expect(description).toMatch(/Cancel/);
    // The workflow's clean-up ran after the cancelled activity stopped: nothing is left, nothing came after.
    expect(await artifactKeys(job.id)).toEqual([]);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await artifactKeys(job.id)).toEqual([]);
    expect((await api.subscription.get.query()).usage.optimizations).toBe(afterSubmit.usage.optimizations);
  }, 400_000);

  it("a corrupt model through the CLI fails the job fast with the engine's message; no retries burnt", async () => {
    const bad = join(dir, "corrupt.tflite");
    const good = await readFile(KWS);
    await writeFile(bad, Buffer.concat([good.subarray(0, 8), Buffer.alloc(4096, 0x5a)]));
    const started = Date.now();
    const cli = await run(
      process.execPath,
      [
        TINYML_CLI,
        "optimize",
        bad,
        "--project",
        projectId,
        "--target",
        "cortex-m4",
        "--framework",
        "tflite",
        "--dataset",
        KWS_DATA,
        "--wait",
        "--json",
        "--url",
        url,
        "--api-key",
        apiKey,
      ],
      { env: { ...process.env, XDG_CONFIG_HOME: dir } },
    ).then(
      () => ({ code: 0, stdout: "" }),
      (e: { code: number; stdout: string }) => e,
    );
    expect(cli.code).toBe(1);
    const body = JSON.parse(cli.stdout);
    expect(body.job.status).toBe("failed");
    expect(body.error).toMatch(/tflite|flatbuffer|corrupt|truncated/i);
    expect(Date.now() - started).toBeLessThan(30_000);
    const attempts = await activityAttempts(temporal, body.job.id);
    expect(attempts.analyzeModel).toBe(1);
    expect(attempts.quantizeModel).toBeUndefined();
  }, 120_000);

  it("a Pro job and a Free job waiting for one board: the Pro benchmark runs first", async () => {
    // No board serves cortex-m4 while both jobs are compiled and queue for the farm.
    await Promise.all(processes.filter((p) => p.name.startsWith("agent-")).map((p) => p.stop()));
    const { api: free } = await signUpWithApiKey(url, "e2e-free");
    expect((await free.subscription.get.query()).tier).toBe("free");
    const freeProject = (await free.projects.create.mutate({ name: "free" })).id;
    const upload = {
      model: KWS,
      dataset: KWS_DATA,
      hardwareTarget: "cortex-m4",
      modelFramework: "tflite",
      quantizationType: "int8",
    } as const;
    const freeJob = await free.optimize(freeProject, upload);
    const proJob = await api.optimize(projectId, upload);
    const waiting = (j: Job) => (j.stage === "benchmark" && j.progress < 0.9) || ended(j);
    for (const [id, client] of [
      [freeJob.id, free],
      [proJob.id, api],
    ] as const) {
      const job = await waitForJob(id, waiting, 300_000, client);
      expect(job.status, job.error ?? "").toBe("running");
    }
    await agent("agent-c"); // one board
    expect((await waitForJob(freeJob.id, ended, 300_000, free)).status).toBe("completed");
    expect((await waitForJob(proJob.id, ended, 300_000)).status).toBe("completed");
    const benchmarkStart = async (jobId: string) => {
      const history = await temporal.workflow.getHandle(optimizeModelWorkflowId(jobId)).fetchHistory();
      const scheduled = new Set<string>();
      for (const event of history.events ?? []) {
        if (event.activityTaskScheduledEventAttributes?.activityType?.name === "runBenchmark")
          scheduled.add(String(event.eventId));
        const started = event.activityTaskStartedEventAttributes;
        if (started && scheduled.has(String(started.scheduledEventId)))
          return Number(event.eventTime?.seconds) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
      }
      throw new Error(`no runBenchmark started for job ${jobId}`);
    };
    const [proStart, freeStart] = [await benchmarkStart(proJob.id), await benchmarkStart(freeJob.id)];
    expect(proStart).toBeLessThan(freeStart);
  }, 600_000);
});
