import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from "@temporalio/client";
import { type ControlPlane, createControlPlane } from "@tinyml/control-plane";
import { engineTaskQueue, FAILURE_TYPES, JobSpec, TIERS } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import { s3BlobSettings } from "../services/stack-settings.js";
import { DATABASES, env, useControlPlaneApi } from "./support/control-plane-api.js";
import { useTemporalClient } from "./support/control-plane-grid.js";
import { honestDatasetBomb, lyingDatasetBomb, sampleResidentMemory } from "./support/dataset-bombs.js";
import { useEngineProbe } from "./support/engine-probe.js";
import { putObject, ref, uploadsOf, useJobBucket, workDir } from "./support/job-bucket.js";
import { startWorkerProcess, type WorkerProcess } from "./support/worker-process.js";

/**
 * Issue 11, item 3: a 1 MiB .npz whose x.npy inflates to 1 GiB (shaped as the model's input) took a worker from
 * 319 MB to 3.35 GB for 13 minutes. Now the upload is refused as it streams in (nothing stored, no job, no quota
 * taken), on PostgreSQL with S3 and on SQLite with the local store; and a bomb put in the store directly, past
 * the upload's check, fails its activity at once as non-retryable bad input while the worker process stays under
 * its configured memory.
 */

const MiB = 1024 * 1024;
const KWS_DATA = join(REPO_ROOT, ".tmp/fixtures/kws_eembc.npz");
let scratch: string;
let honest: Buffer;
let lying: Buffer;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "abuse-datasets-"));
  honest = await honestDatasetBomb(scratch);
  lying = lyingDatasetBomb();
  expect(honest.length).toBeLessThan(1.5 * MiB);
  expect(lying.length).toBeLessThan(1.5 * MiB);
}, 60_000);
afterAll(() => rm(scratch, { recursive: true, force: true }));

const SETUPS = [
  { name: "PostgreSQL and S3", db: DATABASES[1] as (typeof DATABASES)[number], blobs: s3BlobSettings(env) },
  { name: "SQLite and the local store", db: DATABASES[0] as (typeof DATABASES)[number], blobs: {} },
];

describe.each(SETUPS)("dataset bombs at upload, on $name", (setup) => {
  const { api, trpc, signup, createProject, optimizeForm, configFor } = useControlPlaneApi(setup.db);
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = Object.keys(setup.blobs).length ? await createControlPlane(configFor(setup.blobs)) : api.cp;
  });
  afterAll(async () => {
    if (cp !== api.cp) await cp?.close();
  });

  /** A Free user submits the KWS model with `dataset` as dataset_file; the answer, and what it left behind. */
  async function submit(dataset: Buffer, fileName: string) {
    const { session, caller } = await signup("Mallory");
    const project = await createProject(session.accessToken);
    const form = optimizeForm(new Blob([api.kws]), "kws.tflite");
    form.set("dataset_file", new Blob([dataset]), fileName);
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    const res = await cp.app.request(`/api/projects/${project.id}/optimize`, {
      method: "POST",
      headers: { authorization: `Bearer ${session.accessToken}` },
      body: form,
    });
    const took = performance.now() - started;
    const grew = process.memoryUsage().arrayBuffers - before;
    const body = (await res.json()) as { error?: { code: string; message: string } };
    const usage = (await trpc(caller).subscription.get()).usage;
    const jobs = await trpc(caller).jobs.list({ projectId: project.id });
    const blobs = await cp.blobStore.list(`orgs/${caller.organizationId}/`);
    return { res, body, usage, jobs, blobs, took, grew };
  }

  it("a 1 MiB .npz whose x.npy inflates to 1 GiB: 413 at upload, nothing stored, no job, no quota taken", async () => {
    const { res, body, usage, jobs, blobs, took, grew } = await submit(honest, "bomb.npz");
    expect(res.status).toBe(413);
    expect(body.error?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(body.error?.message).toMatch(
      /^dataset_file "bomb\.npz" inflates to more than the Free tier allows \(100 MB of arrays once decompressed\): .*x\.npy declares shape \(547828, 49, 10, 1\) of float32, 1073\.7 MB/,
    );
    expect(usage.optimizations).toBe(0);
    expect(jobs).toEqual([]);
    expect(blobs).toEqual([]);
    expect(took).toBeLessThan(5_000);
    expect(grew).toBeLessThan(64 * MiB);
  });

  it("a bomb whose every header says one sample: 400 at upload, nothing stored, no job, no quota taken", async () => {
    const { res, body, usage, jobs, blobs, grew } = await submit(lying, "lying.npz");
    expect(res.status).toBe(400);
    expect(body.error?.code).toBe("BAD_REQUEST");
    expect(body.error?.message).toMatch(
      /^dataset_file "lying\.npz" is not a NumPy \.npz archive of arrays .*x\.npy inflates to more than the 2088 bytes its \.npy header declares/,
    );
    expect(usage.optimizations).toBe(0);
    expect(jobs).toEqual([]);
    expect(blobs).toEqual([]);
    expect(grew).toBeLessThan(64 * MiB);
  });

  it("the KWS dataset written by NumPy is accepted (202), one optimization taken", async () => {
    const { res, usage, blobs } = await submit(await readFile(KWS_DATA), "kws_eembc.npz");
    expect(res.status).toBe(202);
    expect(usage.optimizations).toBe(1);
    expect(blobs).toHaveLength(2);
  });

  it("/api/tiers shows each tier's limit on a dataset's inflated size", async () => {
    const { tiers } = (await (await cp.app.request("/api/tiers")).json()) as {
      tiers: { id: string; maxDatasetInflatedBytes: number }[];
    };
    expect(tiers.map((t) => [t.id, t.maxDatasetInflatedBytes])).toEqual(
      Object.values(TIERS).map((t) => [t.id, t.maxDatasetInflatedBytes]),
    );
    expect(TIERS.free.maxDatasetInflatedBytes).toBe(100_000_000);
  });
});

describe("a dataset bomb put in the store directly reaches the worker process", () => {
  const WORKER_MEMORY_MB = 1024;
  useJobBucket();
  const temporal = useTemporalClient();
  const probe = useEngineProbe(temporal);
  const queue = `abuse-datasets-${randomUUID()}`;
  let worker: WorkerProcess;

  beforeAll(async () => {
    await putObject("inputs/bomb.npz", honest);
    await putObject("inputs/lying.npz", lying);
    worker = startWorkerProcess({
      TASK_QUEUE: queue,
      WORK_DIR: join(workDir(), "worker"),
      WORKER_MEMORY_MB: String(WORKER_MEMORY_MB),
      MAX_CONCURRENT_HEAVY_ACTIVITIES: "1",
    });
    await worker.polling();
  });
  afterAll(() => worker?.kill());

  it.each([
    [
      "every header honest",
      "bomb.npz",
      /more than 100 MB once decompressed: x\.npy declares shape \(547828, 49, 10, 1\)/,
    ],
    [
      "every header saying one sample",
      "lying.npz",
      /x\.npy inflates to more than the 2088 bytes its \.npy header declares/,
    ],
  ])("%s: quantizeModel fails at once as bad input, never retried, the worker under 1024 MB", async (_, name, message) => {
    const jobId = `abuse-${randomUUID()}`;
    const request = {
      jobId,
      spec: JobSpec.parse({ hardwareTarget: "cortex-m4", modelFramework: "tflite", quantizationType: "int8" }),
      model: { ...(await ref("inputs/kws.tflite")), fileName: "kws_ref_model_float32.tflite" },
      dataset: {
        ...(await ref(`inputs/${name}`)),
        fileName: name,
        maxInflatedBytes: TIERS.free.maxDatasetInflatedBytes,
      },
      uploads: await uploadsOf(jobId, ["model.tflite", "model.onnx", "report.json", "c.tar.gz"]),
    };
    const memory = sampleResidentMemory(worker.pid);
    const started = performance.now();
    const handle = await probe.start(engineTaskQueue(queue), [["quantizeModel", request]]);
    const failure = await handle.result().then(
      () => null,
      (e: unknown) => e,
    );
    const took = performance.now() - started;
    const peak = memory.stop();
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const activity = (failure as WorkflowFailedError).cause;
    expect(activity).toBeInstanceOf(ActivityFailure);
    const cause = (activity as ActivityFailure).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe(FAILURE_TYPES.badInput);
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(message);
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    expect(attempts.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
    expect(took).toBeLessThan(20_000);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(WORKER_MEMORY_MB * MiB);
  });
});
