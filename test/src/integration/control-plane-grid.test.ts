import { createHash, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import { ActivityFailure, ApplicationFailure, Client, Connection, WorkflowFailedError } from "@temporalio/client";
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from "@temporalio/worker";
import {
  type BlobStore,
  type Caller,
  type ControlPlane,
  createCaller,
  createContextInner,
  createControlPlane,
  createControlPlaneActivities,
  loadControlPlaneConfig,
  signedUrlConformance,
} from "@tinyml/control-plane";
import { createOptimizeWorker } from "@tinyml/workers";
import { gridHealthCheck } from "@tinyml/workflows";
import { FAILURE_TYPES, JOB_ARTIFACTS, jobArtifactPrefix, type StartJobRunResult } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import { freshPostgresDatabase, s3BlobSettings } from "../services/stack-settings.js";

/**
 * The control plane's side of the grid on the real stack: signed blob URLs of both stores over HTTP, the
 * control-plane activities on SQLite and PostgreSQL, and the activity worker executing them for a workflow on
 * the real Temporal dev server. Every control plane here polls a task queue of its own, so test files that
 * share the Temporal server never take each other's activities.
 */

const env = inject("stackEnv");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures"));
const KWS_TFLITE = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model.tflite");
const MNIST_ONNX = join(FIXTURES, "onnx/mnist-2018-opset1/model.onnx");
const MNIST_NPZ = join(FIXTURES, "onnx/mnist-2018-opset1/test_data_0.npz");
const JWT_SECRET = "grid-integration-secret-grid-integration-secret";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** SQLite: the served control plane's own file (no override); PostgreSQL: a fresh database on the real server. */
const DATABASES = [
  { name: "SQLite", overrides: async (): Promise<Record<string, string>> => ({}) },
  { name: "PostgreSQL", overrides: async () => ({ DATABASE_URL: await freshPostgresDatabase(env, "grid") }) },
];

const S3_CONFIG = s3BlobSettings(env);

interface Served {
  cp: ControlPlane;
  url: string;
  dir: string;
  taskQueue: string;
  close(): Promise<void>;
}

/**
 * A control plane listening on a real port, its PUBLIC_URL pointing there (the local store's signed URLs are
 * served by it), polling a task queue of its own when its worker is on.
 */
async function serveControlPlane(overrides: Record<string, string> = {}): Promise<Served> {
  const dir = await mkdtemp(join(tmpdir(), "cp-grid-"));
  let app: ControlPlane["app"] | null = null;
  let server: ReturnType<typeof serve> | undefined;
  await new Promise<void>((done) => {
    server = serve({ fetch: (req) => (app as ControlPlane["app"]).fetch(req), port: 0, hostname: "127.0.0.1" }, () =>
      done(),
    );
  });
  const url = `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
  const taskQueue = `control-plane-${randomUUID()}`;
  const cp = await createControlPlane(
    loadControlPlaneConfig({
      DATABASE_URL: overrides.DATABASE_URL ?? `sqlite:${join(dir, "control-plane.sqlite")}`,
      DATA_DIR: dir,
      PUBLIC_URL: url,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      OUTBOX_PRINT: "false",
      RATE_LIMIT_PER_MINUTE: "100000",
      JWT_SECRET,
      CONTROL_PLANE_TASK_QUEUE: taskQueue,
      CONTROL_PLANE_WORKER: "false",
      ...overrides,
    }),
  );
  app = cp.app;
  return {
    cp,
    url,
    dir,
    taskQueue,
    async close() {
      await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
      await cp.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Signs a user up (its own organization, Free) through tRPC; returns its caller and access token. */
async function signup(cp: ControlPlane, name: string) {
  const trpc = createCaller(createContextInner({ services: cp.services }));
  const session = await trpc.auth.signup({
    email: `${name}-${randomUUID()}@tinyml.test`,
    password: "grid-password-1",
    name,
  });
  const caller = await cp.services.auth.authenticate(session.accessToken);
  if (!caller) throw new Error("a fresh access token did not authenticate");
  return { caller, token: session.accessToken };
}

const trpcOf = (cp: ControlPlane, caller: Caller | null = null) =>
  createCaller(createContextInner({ services: cp.services, caller }));

/** Submits a job through the REST optimize route (model and optional dataset streamed to the blob store). */
async function submitJob(
  cp: ControlPlane,
  token: string,
  options: { model?: [Uint8Array, string, string]; dataset?: [Uint8Array, string] } = {},
) {
  const auth = { authorization: `Bearer ${token}` };
  const project = await cp.app.request("/api/projects", {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ name: "grid" }),
  });
  const { id: projectId } = (await project.json()) as { id: string };
  const [bytes, fileName, framework] = options.model ?? [await readFile(KWS_TFLITE), "kws_ref_model.tflite", "tflite"];
  const form = new FormData();
  form.set("model_file", new Blob([bytes]), fileName);
  form.set("hardware_target", "cortex-m4");
  form.set("model_framework", framework);
  if (options.dataset) form.set("dataset_file", new Blob([options.dataset[0]]), options.dataset[1]);
  const res = await cp.app.request(`/api/projects/${projectId}/optimize`, {
    method: "POST",
    headers: auth,
    body: form,
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { id: string; workflow_id: string; model: { id: string; sha256: string } };
}

/** What a rejected activity call failed with: the `ApplicationFailure`, to check its type and retryability. */
async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  const outcome = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(outcome instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure, got ${String(outcome)}`);
  return outcome;
}

let temporalConnection: Connection;
let temporal: Client;
beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger("WARN") });
  temporalConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
  temporal = new Client({ connection: temporalConnection });
});
afterAll(() => temporalConnection?.close());

describe.each(["local", "s3"])("signed blob URLs: %s store behind a served control plane", (kind) => {
  let served: Served;
  beforeAll(async () => {
    served = await serveControlPlane(kind === "s3" ? S3_CONFIG : {});
  });
  afterAll(() => served?.close());

  it.each(signedUrlConformance.map((c) => [c.name, c] as const))("%s", async (_name, conformanceCase) => {
    await conformanceCase.run(served.cp.blobStore as BlobStore);
  });

  it("carries an artifact larger than the API's JSON body limit, and answers a forged URL with a JSON 403", async () => {
    const store = served.cp.blobStore;
    const key = `grid/${randomUUID()}/firmware.elf`;
    const bytes = Buffer.alloc(3 * 1024 * 1024, 7);
    const put = await fetch(await store.signedUrl(key, "PUT", 60), { method: "PUT", body: bytes });
    expect(put.status).toBe(200);
    const got = Buffer.from(await (await fetch(await store.signedUrl(key, "GET", 60))).arrayBuffer());
    expect(sha256(got)).toBe(sha256(bytes));
    if (kind === "local") {
      const url = await store.signedUrl(key, "GET", 60);
      expect(url.startsWith(`${served.url}/internal/blobs/${key}?method=GET&expires=`)).toBe(true);
      const forged = await fetch(url.replace(/sig=[0-9a-f]{4}/, "sig=0000"));
      expect(forged.status).toBe(403);
      expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    }
  });
});

describe.each(DATABASES)("control-plane activities on $name (direct calls)", (db) => {
  let served: Served;
  let activities: ReturnType<typeof createControlPlaneActivities>;
  let user: Awaited<ReturnType<typeof signup>>;
  let kws: Buffer;

  beforeAll(async () => {
    served = await serveControlPlane(await db.overrides());
    const { cp } = served;
    activities = createControlPlaneActivities({
      orm: cp.orm,
      blobStore: cp.blobStore,
      recorder: cp.services.jobRecorder,
    });
    user = await signup(cp, "Grid");
    await trpcOf(cp, user.caller).subscription.upgrade({ tier: "pro" });
    kws = await readFile(KWS_TFLITE);
  });
  afterAll(() => served?.close());

  it("the migrations give exactly the schema the entities declare", async () => {
    expect((await served.cp.orm.schema.getUpdateSchemaSQL({ wrap: false })).trim()).toBe("");
  });

  it("startJobRun marks the job running once and hands the run its spec, blobs and signed artifact URLs", async () => {
    const { cp } = served;
    const mnist = await readFile(MNIST_ONNX);
    const npz = await readFile(MNIST_NPZ);
    const job = await submitJob(cp, user.token, {
      model: [mnist, "mnist.onnx", "onnx"],
      dataset: [npz, "test_data_0.npz"],
    });
    const started = await activities.startJobRun(job.id);
    if (started.kind !== "run") throw new Error(`expected a run, got ${JSON.stringify(started)}`);
    const { run } = started;
    expect(run).toMatchObject({
      jobId: job.id,
      organizationId: user.caller.organizationId,
      tier: "pro",
      spec: { hardwareTarget: "cortex-m4", modelFramework: "onnx" },
      model: { fileName: "mnist.onnx", bytes: mnist.length, sha256: sha256(mnist) },
      dataset: { fileName: "test_data_0.npz" },
    });
    // The URLs are real: a plain GET gives the uploaded bytes.
    expect(sha256(Buffer.from(await (await fetch(run.model.url)).arrayBuffer()))).toBe(sha256(mnist));
    expect(sha256(Buffer.from(await (await fetch(run.dataset?.url as string)).arrayBuffer()))).toBe(sha256(npz));
    expect(Object.keys(run.artifactUploads).sort()).toEqual([...JOB_ARTIFACTS].sort());
    for (const name of JOB_ARTIFACTS) {
      expect(run.artifactUploads[name].key).toBe(`${jobArtifactPrefix(job.id)}${name}`);
      expect(run.artifactReads[name].key).toBe(run.artifactUploads[name].key);
    }
    const report = JSON.stringify({ probe: randomUUID() });
    expect((await fetch(run.artifactUploads["report.json"].url, { method: "PUT", body: report })).status).toBe(200);
    expect(await (await fetch(run.artifactReads["report.json"].url)).text()).toBe(report);
    // A GET URL cannot write and a PUT URL cannot read.
    expect((await fetch(run.artifactReads["report.json"].url, { method: "PUT", body: "x" })).status).toBe(403);

    const trpc = trpcOf(cp, user.caller);
    const afterStart = await trpc.jobs.get({ id: job.id });
    expect(afterStart).toMatchObject({ status: "running", stage: "analyze", progress: 0 });
    expect(afterStart.started_at).not.toBeNull();

    // A retried startJobRun (the workflow's activity retried) does not move the job back.
    await activities.recordJobProgress(job.id, {
      stage: "quantize",
      progress: 0.4,
      message: "calibrating on 100 samples",
    });
    const again = await activities.startJobRun(job.id);
    expect(again.kind).toBe("run");
    expect(await trpc.jobs.get({ id: job.id })).toMatchObject({
      status: "running",
      stage: "quantize",
      progress: 0.4,
      started_at: afterStart.started_at,
    });
  });

  it("records progress with its message, then the result with notes; a retried result changes nothing", async () => {
    const { cp } = served;
    const job = await submitJob(cp, user.token);
    await activities.startJobRun(job.id);
    await activities.recordJobProgress(job.id, { stage: "compile", progress: 0.7, message: "linking for cortex-m4" });
    const trpc = trpcOf(cp, user.caller);
    expect(await trpc.jobs.get({ id: job.id })).toMatchObject({ stage: "compile", progress: 0.7 });
    const [row] = await cp.orm.em
      .fork()
      .getConnection()
      .execute("select progress_message from jobs where id = ?", [job.id]);
    expect(row?.progress_message).toBe("linking for cortex-m4");

    const bundleKey = `${jobArtifactPrefix(job.id)}bundle.tar.gz`;
    await cp.blobStore.put(bundleKey, Readable.from([kws]));
    const record = {
      metrics: {
        flash_bytes: { value: 53_936, unit: "B", source: "emulated" as const, basis: "size of the linked ELF" },
        latency_ms: { value: 12.5, unit: "ms", source: "estimated" as const },
      },
      artifact: { key: bundleKey, fileName: "bundle.tar.gz" },
      notes: ["pruning skipped: the model has no prunable weights"],
    };
    await activities.recordJobResult(job.id, record);
    await activities.recordJobResult(job.id, { ...record, notes: ["a retry must not overwrite"] });
    const results = (await (
      await cp.app.request(`/api/jobs/${job.id}/results`, { headers: { authorization: `Bearer ${user.token}` } })
    ).json()) as Record<string, unknown>;
    expect(results).toMatchObject({ status: "completed", metrics: record.metrics, artifact: "bundle.tar.gz" });
    const [count] = await cp.orm.em
      .fork()
      .getConnection()
      .execute("select count(*) as n from job_results where job_id = ?", [job.id]);
    expect(Number(count?.n)).toBe(1);
    const download = await cp.app.request(`/api/jobs/${job.id}/download`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(Buffer.from(await download.arrayBuffer()).equals(kws)).toBe(true);
    // Once ended, the run is over: a late startJobRun says so.
    expect(await activities.startJobRun(job.id)).toEqual({
      kind: "ended",
      status: "completed",
    } satisfies StartJobRunResult);
  });

  it("bad records and unknown jobs fail non-retryably with the contract's failure types, changing nothing", async () => {
    const { cp } = served;
    const job = await submitJob(cp, user.token);
    await activities.startJobRun(job.id);
    const guessed = await failureOf(
      activities.recordJobResult(job.id, {
        metrics: { latency_ms: { value: 3, unit: "ms", source: "guessed" as never } },
        artifact: null,
        notes: [],
      }),
    );
    expect(guessed).toMatchObject({ type: FAILURE_TYPES.badInput, nonRetryable: true });
    expect(guessed.message).toMatch(/^invalid result of job .*: metrics\.latency_ms\.source: /);
    const foreign = await failureOf(
      activities.recordJobResult(job.id, {
        metrics: {},
        artifact: { key: "orgs/other/uploads/x/model.tflite", fileName: "model.tflite" },
        notes: [],
      }),
    );
    expect(foreign).toMatchObject({ type: FAILURE_TYPES.badInput, nonRetryable: true });
    const badStage = await failureOf(
      activities.recordJobProgress(job.id, { stage: "teleport" as never, progress: 2, message: "" }),
    );
    expect(badStage).toMatchObject({ type: FAILURE_TYPES.badInput, nonRetryable: true });
    expect(await trpcOf(cp, user.caller).jobs.get({ id: job.id })).toMatchObject({
      status: "running",
      stage: "analyze",
    });

    for (const unknown of [randomUUID(), "not-a-job-id"]) {
      const calls = [
        () => activities.startJobRun(unknown),
        () => activities.recordJobProgress(unknown, { stage: "analyze", progress: 0.1, message: "" }),
        () => activities.recordJobResult(unknown, { metrics: {}, artifact: null, notes: [] }),
        () => activities.recordJobFailure(unknown, "boom"),
        () => activities.cleanUpCancelledJob(unknown),
      ];
      for (const call of calls) {
        const failure = await failureOf(call());
        expect(failure).toMatchObject({ type: FAILURE_TYPES.jobNotRunnable, nonRetryable: true });
        expect(failure.message).toBe(`job ${unknown} does not exist in this control plane`);
      }
    }
  });

  it("records a failure once; cleanUpCancelledJob cancels, removes the job's artifacts, and is idempotent", async () => {
    const { cp } = served;
    const trpc = trpcOf(cp, user.caller);
    const failed = await submitJob(cp, user.token);
    await activities.startJobRun(failed.id);
    await activities.recordJobFailure(failed.id, "the model needs 300 KB of RAM; cortex-m4 has 256 KB");
    await activities.recordJobFailure(failed.id, "a retried failure must not overwrite");
    expect(await trpc.jobs.get({ id: failed.id })).toMatchObject({
      status: "failed",
      error: "the model needs 300 KB of RAM; cortex-m4 has 256 KB",
    });
    expect(await activities.startJobRun(failed.id)).toEqual({ kind: "ended", status: "failed" });

    const running = await submitJob(cp, user.token);
    const started = await activities.startJobRun(running.id);
    if (started.kind !== "run") throw new Error("expected a run");
    for (const name of ["model.tflite", "c.tar.gz"] as const) {
      expect((await fetch(started.run.artifactUploads[name].url, { method: "PUT", body: name })).status).toBe(200);
    }
    // Another job's artifact, beside it, stays.
    const otherKey = `${jobArtifactPrefix(failed.id)}model.tflite`;
    await cp.blobStore.put(otherKey, Readable.from([Buffer.from("other")]));
    expect(await activities.cleanUpCancelledJob(running.id)).toEqual({ removed: 2 });
    expect(await cp.blobStore.list(jobArtifactPrefix(running.id))).toEqual([]);
    expect(await cp.blobStore.stat(otherKey)).toEqual({ bytes: 5 });
    expect(await trpc.jobs.get({ id: running.id })).toMatchObject({ status: "cancelled" });
    expect(await activities.cleanUpCancelledJob(running.id)).toEqual({ removed: 0 });
    expect(await activities.startJobRun(running.id)).toEqual({ kind: "ended", status: "cancelled" });
    // Progress reported after the cancellation does not revive the job.
    await activities.recordJobProgress(running.id, { stage: "benchmark", progress: 0.9, message: "late" });
    expect(await trpc.jobs.get({ id: running.id })).toMatchObject({ status: "cancelled" });
  });

  it("cleanUpCancelledJob leaves a job that completed (and its download) as it is", async () => {
    const { cp } = served;
    const job = await submitJob(cp, user.token);
    await activities.startJobRun(job.id);
    const key = `${jobArtifactPrefix(job.id)}bundle.tar.gz`;
    await cp.blobStore.put(key, Readable.from([kws]));
    // A note longer than the API keeps is cut, not a reason to fail a finished job.
    const notes = ["n".repeat(3000)];
    await activities.recordJobResult(job.id, { metrics: {}, artifact: { key, fileName: "bundle.tar.gz" }, notes });
    expect((await trpcOf(cp, user.caller).jobs.results({ id: job.id })).notes).toEqual(["n".repeat(2000)]);
    expect(await activities.cleanUpCancelledJob(job.id)).toEqual({ removed: 0 });
    expect(await cp.blobStore.stat(key)).toEqual({ bytes: kws.length });
    expect(await trpcOf(cp, user.caller).jobs.get({ id: job.id })).toMatchObject({ status: "completed" });
  });
});

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
      temporal.workflow.execute("controlPlaneProbe", {
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
      temporal.workflow
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
      temporal.workflow.execute(gridHealthCheck, {
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

const FARM_TOKEN = "farm-token-for-the-grid-tests-0123";

describe.each(DATABASES)("cancellation, progress and the farm registry on $name", (db) => {
  let served: Served;
  let overrides: Record<string, string>;
  let owner: Awaited<ReturnType<typeof signup>>;
  let outsider: Awaited<ReturnType<typeof signup>>;
  let activities: ReturnType<typeof createControlPlaneActivities>;

  beforeAll(async () => {
    overrides = await db.overrides();
    served = await serveControlPlane({ ...overrides, FARM_TOKEN });
    const { cp } = served;
    activities = createControlPlaneActivities({
      orm: cp.orm,
      blobStore: cp.blobStore,
      recorder: cp.services.jobRecorder,
    });
    owner = await signup(cp, "Owner");
    await trpcOf(cp, owner.caller).subscription.upgrade({ tier: "basic" });
    outsider = await signup(cp, "Outsider");
  });
  afterAll(() => served?.close());

  const call = (path: string, token: string | null, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    return served.cp.app.request(path, { ...init, headers });
  };
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
  const usage = async (caller: Caller) => (await trpcOf(served.cp, caller).subscription.get()).usage.optimizations;

  it("POST /api/jobs/{id}/cancel cancels the workflow and the job at once; the quota is not given back", async () => {
    const { cp } = served;
    const job = await submitJob(cp, owner.token);
    const started = await activities.startJobRun(job.id);
    if (started.kind !== "run") throw new Error("expected a run");
    await fetch(started.run.artifactUploads["report.json"].url, { method: "PUT", body: "{}" });
    const before = await usage(owner.caller);

    expect((await call(`/api/jobs/${job.id}/cancel`, null, { method: "POST" })).status).toBe(401);
    const foreign = await call(`/api/jobs/${job.id}/cancel`, outsider.token, { method: "POST" });
    expect(foreign.status).toBe(404);
    expect(await trpcOf(cp, owner.caller).jobs.get({ id: job.id })).toMatchObject({ status: "running" });

    const res = await call(`/api/jobs/${job.id}/cancel`, owner.token, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: job.id, status: "cancelled" });
    expect(await trpcOf(cp, owner.caller).jobs.get({ id: job.id })).toMatchObject({ status: "cancelled" });
    // Temporal was asked to cancel the workflow (no worker runs optimizeModel here, so the request waits in
    // its history), and the artifacts wait for the workflow's cleanup activity.
    const history = await temporal.workflow.getHandle(job.workflow_id).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
    expect(await cp.blobStore.list(jobArtifactPrefix(job.id))).toEqual([`${jobArtifactPrefix(job.id)}report.json`]);
    expect(await activities.cleanUpCancelledJob(job.id)).toEqual({ removed: 1 });
    expect(await usage(owner.caller)).toBe(before);

    const again = await call(`/api/jobs/${job.id}/cancel`, owner.token, { method: "POST" });
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toEqual({
      code: "CONFLICT",
      message: `job ${job.id} has already been cancelled: only a queued or running job can be cancelled`,
    });
  });

  it("jobs.cancel (tRPC): a completed job is a CONFLICT; a job whose workflow is gone is cancelled and cleaned here", async () => {
    const { cp } = served;
    const trpc = trpcOf(cp, owner.caller);
    const done = await submitJob(cp, owner.token);
    await activities.startJobRun(done.id);
    await activities.recordJobResult(done.id, { metrics: {}, artifact: null, notes: [] });
    await expect(trpc.jobs.cancel({ id: done.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: `job ${done.id} has already completed: only a queued or running job can be cancelled`,
    });
    await expect(trpcOf(cp, outsider.caller).jobs.cancel({ id: done.id })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const orphan = await submitJob(cp, owner.token);
    await cp.blobStore.put(`${jobArtifactPrefix(orphan.id)}model.tflite`, Readable.from([Buffer.from("x")]));
    await temporal.workflow.getHandle(orphan.workflow_id).terminate("the grid test ends it");
    const before = await usage(owner.caller);
    expect(await trpc.jobs.cancel({ id: orphan.id })).toMatchObject({ status: "cancelled" });
    expect(await cp.blobStore.list(jobArtifactPrefix(orphan.id))).toEqual([]);
    expect(await usage(owner.caller)).toBe(before);
    const metrics = await (await cp.app.request("/metrics")).text();
    expect(metrics).toMatch(/tinyml_jobs_cancelled_total\{tier="basic"\} [1-9]/);
  });

  it("when Temporal is unreachable a cancel answers 503 and changes nothing", async () => {
    const { cp } = served;
    const job = await submitJob(cp, owner.token);
    const offline = await createControlPlane(
      loadControlPlaneConfig({
        DATABASE_URL: overrides.DATABASE_URL ?? `sqlite:${join(served.dir, "control-plane.sqlite")}`,
        DATA_DIR: served.dir,
        TEMPORAL_ADDRESS: "127.0.0.1:1",
        TEMPORAL_TIMEOUT_MS: "1500",
        OUTBOX_PRINT: "false",
        JWT_SECRET,
        CONTROL_PLANE_WORKER: "false",
      }),
    );
    try {
      const res = await offline.app.request(`/api/jobs/${job.id}/cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${owner.token}` },
      });
      expect(res.status).toBe(503);
      expect((await errorOf(res)).message).toMatch(
        new RegExp(
          `^job ${job.id} was not cancelled: the orchestrator \\(Temporal at 127\\.0\\.0\\.1:1\\) is unreachable: .*; retry later$`,
        ),
      );
    } finally {
      await offline.close();
    }
    expect(await trpcOf(cp, owner.caller).jobs.get({ id: job.id })).toMatchObject({ status: "queued" });
    const description = await temporal.workflow.getHandle(job.workflow_id).describe();
    expect(description.status.name).toBe("RUNNING");
  });

  it("jobs.progress checks access before streaming and streams the stage's message", async () => {
    const { cp } = served;
    const job = await submitJob(cp, owner.token);
    // Another tenant's job and an unknown id: NOT_FOUND from the call itself, not an error inside a stream.
    await expect(trpcOf(cp, outsider.caller).jobs.progress({ id: job.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(trpcOf(cp, owner.caller).jobs.progress({ id: randomUUID() })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const sse = await call(
      `/trpc/jobs.progress?input=${encodeURIComponent(JSON.stringify({ id: job.id }))}`,
      outsider.token,
    );
    const reader = (sse.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("httpStatus") && text.length < 10_000) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    await reader.cancel();
    expect(text).toContain('"httpStatus":404');
    expect(text).toContain('"appCode":"NOT_FOUND"');
    expect(text).not.toContain("INTERNAL_SERVER_ERROR");

    const events = (await trpcOf(cp, owner.caller).jobs.progress({ id: job.id, intervalMs: 100 }))[
      Symbol.asyncIterator
    ]();
    expect((await events.next()).value).toMatchObject({ status: "queued", stage: "submitted", message: null });
    await activities.startJobRun(job.id);
    await activities.recordJobProgress(job.id, { stage: "quantize", progress: 0.5, message: "calibrating" });
    let seen = (await events.next()).value;
    if (seen?.stage === "analyze") seen = (await events.next()).value;
    expect(seen).toMatchObject({ status: "running", stage: "quantize", progress: 0.5, message: "calibrating" });
    // A new message alone is an update too.
    await activities.recordJobProgress(job.id, { stage: "quantize", progress: 0.5, message: "exporting .tflite" });
    expect((await events.next()).value).toMatchObject({ message: "exporting .tflite" });
    await trpcOf(cp, owner.caller).jobs.cancel({ id: job.id });
    expect((await events.next()).value).toMatchObject({ status: "cancelled" });
    expect((await events.next()).done).toBe(true);
    const rest = (await (await call(`/api/jobs/${job.id}`, owner.token)).json()) as { message: string | null };
    expect(rest.message).toBe("exporting .tflite");
  });

  describe("farm board reports", () => {
    const report = (body: unknown, token: string | null = FARM_TOKEN) =>
      call("/internal/farm/boards", token, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const boardsOf = async (token: string | null) => call("/api/farm/boards", token);
    type Board = { host: string; id: string; status: string; current_job_id: string | null; detail: string | null };
    const host = () => `farm-${randomUUID().slice(0, 8)}`;

    it("refuses a missing or wrong token (401) and a report that breaks the contract (400), storing nothing", async () => {
      const name = host();
      const good = {
        host: name,
        boards: [{ id: "m4-0", target: "cortex-m4", driver: "qemu", status: "idle", currentJobId: null, detail: null }],
      };
      const noToken = await report(good, null);
      expect(noToken.status).toBe(401);
      expect(await errorOf(noToken)).toEqual({
        code: "UNAUTHORIZED",
        message: "farm reports need Authorization: Bearer <FARM_TOKEN> (the control plane's farm token)",
      });
      expect((await report(good, `${FARM_TOKEN}x`)).status).toBe(401);
      // A user's credential is not a farm token either.
      expect((await report(good, owner.token)).status).toBe(401);

      const bad = await report({
        host: name,
        boards: [{ id: "M4_0", target: "avr", driver: "qemu", status: "offline", currentJobId: null, detail: null }],
      });
      expect(bad.status).toBe(400);
      const { message } = await errorOf(bad);
      expect(message).toMatch(/^invalid farm report: /);
      for (const field of ["boards.0.id", "boards.0.target", "boards.0.status"]) expect(message).toContain(field);
      const long = await report({ host: name, boards: [{ ...good.boards[0], id: `m${"4".repeat(100)}` }] });
      expect(long.status).toBe(400);
      expect((await errorOf(long)).message).toBe("invalid farm report: boards.0.id: at most 100 characters");
      const twice = await report({ host: name, boards: [good.boards[0], good.boards[0]] });
      expect(twice.status).toBe(400);
      expect((await errorOf(twice)).message).toBe(
        "invalid farm report: board ids must be unique per host (repeated: m4-0)",
      );
      expect((await report("{not json")).status).toBe(400);
      const listed = (await (await boardsOf(owner.token)).json()) as { boards: Board[] };
      expect(listed.boards.filter((b) => b.host === name)).toEqual([]);
    });

    it("upserts a host's boards, marks the ones it stops listing offline, and shows job ids only to their organization", async () => {
      const { cp } = served;
      const job = await submitJob(cp, owner.token);
      const name = host();
      const first = await report({
        host: name,
        boards: [
          { id: "m4-0", target: "cortex-m4", driver: "qemu", status: "busy", currentJobId: job.id, detail: null },
          {
            id: "m4-1",
            target: "cortex-m4",
            driver: "qemu",
            status: "unhealthy",
            currentJobId: null,
            detail: `timed out after 300 s running job ${job.id}`,
          },
          { id: "rv-0", target: "riscv", driver: "qemu", status: "idle", currentJobId: null, detail: null },
        ],
      });
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ host: name, boards: 3, markedOffline: [] });

      const mine = ((await (await boardsOf(owner.token)).json()) as { boards: Board[] }).boards.filter(
        (b) => b.host === name,
      );
      expect(mine.map((b) => [b.id, b.status, b.current_job_id])).toEqual([
        ["m4-0", "busy", job.id],
        ["m4-1", "unhealthy", null],
        ["rv-0", "idle", null],
      ]);
      expect(mine[1]?.detail).toBe(`timed out after 300 s running job ${job.id}`);
      const theirs = (await trpcOf(cp, outsider.caller).farm.boards()).filter((b) => b.host === name);
      expect(theirs.map((b) => [b.id, b.status, b.current_job_id])).toEqual([
        ["m4-0", "busy", null],
        ["m4-1", "unhealthy", null],
        ["rv-0", "idle", null],
      ]);
      expect(JSON.stringify(theirs)).not.toContain(job.id);
      expect(theirs[1]?.detail).toBe("timed out after 300 s running job a job of another organization");

      // The next report no longer lists rv-0 and m4-1: they stay, offline; m4-0 is idle again.
      const second = await report({
        host: name,
        boards: [{ id: "m4-0", target: "cortex-m4", driver: "qemu", status: "idle", currentJobId: null, detail: null }],
      });
      expect(await second.json()).toEqual({ host: name, boards: 1, markedOffline: ["m4-1", "rv-0"] });
      const after = (await trpcOf(cp, owner.caller).farm.boards()).filter((b) => b.host === name);
      expect(after.map((b) => [b.id, b.status])).toEqual([
        ["m4-0", "idle"],
        ["m4-1", "offline"],
        ["rv-0", "offline"],
      ]);
      expect(after[2]?.detail).toMatch(new RegExp(`^not in the latest report of host ${name} `));
      expect((await boardsOf(null)).status).toBe(401);
    });

    it("shows a board offline once its host has been silent for FARM_BOARD_OFFLINE_AFTER_MS; the gauge counts by status", async () => {
      const { cp } = served;
      const name = host();
      await report({
        host: name,
        boards: [
          { id: "m7-0", target: "cortex-m7", driver: "qemu", status: "busy", currentJobId: null, detail: null },
          { id: "m7-1", target: "cortex-m7", driver: "probe", status: "idle", currentJobId: null, detail: null },
        ],
      });
      const gauge = async () => {
        const text = await (await cp.app.request("/metrics")).text();
        const value = (status: string) =>
          Number(new RegExp(`tinyml_farm_boards\\{target="cortex-m7",status="${status}"\\} (\\d+)`).exec(text)?.[1]);
        return { busy: value("busy"), idle: value("idle"), offline: value("offline") };
      };
      const fresh = await gauge();
      // 31 s pass for this host (its last report moved back in the database).
      await cp.orm.em
        .fork()
        .getConnection()
        .execute("update farm_boards set last_seen_at = ? where host = ?", [new Date(Date.now() - 31_000), name]);
      const stale = (await trpcOf(cp, owner.caller).farm.boards()).filter((b) => b.host === name);
      expect(stale.map((b) => b.status)).toEqual(["offline", "offline"]);
      expect(await gauge()).toEqual({ busy: fresh.busy - 1, idle: fresh.idle - 1, offline: fresh.offline + 2 });
      // The host reports again: back in service.
      await report({
        host: name,
        boards: [{ id: "m7-0", target: "cortex-m7", driver: "qemu", status: "idle", currentJobId: null, detail: null }],
      });
      const back = (await trpcOf(cp, owner.caller).farm.boards()).filter((b) => b.host === name);
      expect(back.map((b) => [b.id, b.status])).toEqual([
        ["m7-0", "idle"],
        ["m7-1", "offline"],
      ]);
    });

    it("without FARM_TOKEN the control plane takes no reports (503 saying what to set)", async () => {
      const closed = await serveControlPlane();
      try {
        const res = await closed.cp.app.request("/internal/farm/boards", {
          method: "POST",
          headers: { authorization: `Bearer ${FARM_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ host: "h", boards: [] }),
        });
        expect(res.status).toBe(503);
        expect((await errorOf(res)).message).toBe(
          "farm reports are off: set FARM_TOKEN on the control plane and give the farm agents the same token",
        );
      } finally {
        await closed.close();
      }
    });
  });
});
