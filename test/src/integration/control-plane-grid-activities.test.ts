import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { createControlPlaneActivities } from "@tinyml/control-plane";
import { FAILURE_TYPES, JOB_ARTIFACTS, jobArtifactPrefix, type StartJobRunResult } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DATABASES,
  failureOf,
  KWS_TFLITE,
  MNIST_NPZ,
  MNIST_ONNX,
  type Served,
  serveControlPlane,
  sha256,
  signup,
  submitJob,
  trpcOf,
} from "./support/control-plane-grid.js";

/** The control-plane activities called directly, on SQLite and PostgreSQL. */
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
