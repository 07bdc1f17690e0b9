import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createControlPlane, loadControlPlaneConfig } from "@tinyml/control-plane";
import { jobArtifactPrefix } from "@tinyml/workflows/contracts";
import { describe, expect, it } from "vitest";
import {
  DATABASES,
  JWT_SECRET,
  submitJob,
  trpcOf,
  useGridTenants,
  useTemporalClient,
} from "./support/control-plane-grid.js";

const temporal = useTemporalClient();

/** Cancelling jobs and streaming their progress, on SQLite and PostgreSQL, with workflows on the real Temporal server. */
describe.each(DATABASES)("cancellation and progress on $name", (db) => {
  const { t, call, errorOf, usage } = useGridTenants(db);

  it("POST /api/jobs/{id}/cancel cancels the workflow and the job at once; the quota is not given back", async () => {
    const { cp } = t.served;
    const job = await submitJob(cp, t.owner.token);
    const started = await t.activities.startJobRun(job.id);
    if (started.kind !== "run") throw new Error("expected a run");
    await fetch(started.run.artifactUploads["report.json"].url, { method: "PUT", body: "{}" });
    const before = await usage(t.owner.caller);

    expect((await call(`/api/jobs/${job.id}/cancel`, null, { method: "POST" })).status).toBe(401);
    const foreign = await call(`/api/jobs/${job.id}/cancel`, t.outsider.token, { method: "POST" });
    expect(foreign.status).toBe(404);
    expect(await trpcOf(cp, t.owner.caller).jobs.get({ id: job.id })).toMatchObject({ status: "running" });

    const res = await call(`/api/jobs/${job.id}/cancel`, t.owner.token, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: job.id, status: "cancelled" });
    expect(await trpcOf(cp, t.owner.caller).jobs.get({ id: job.id })).toMatchObject({ status: "cancelled" });
    // Temporal was asked to cancel the workflow (no worker runs optimizeModel here, so the request waits in
    // its history), and the artifacts wait for the workflow's cleanup activity.
    const history = await temporal.client.workflow.getHandle(job.workflow_id).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
    expect(await cp.blobStore.list(jobArtifactPrefix(job.id))).toEqual([`${jobArtifactPrefix(job.id)}report.json`]);
    expect(await t.activities.cleanUpCancelledJob(job.id)).toEqual({ removed: 1 });
    expect(await usage(t.owner.caller)).toBe(before);

    const again = await call(`/api/jobs/${job.id}/cancel`, t.owner.token, { method: "POST" });
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toEqual({
      code: "CONFLICT",
      message: `job ${job.id} has already been cancelled: only a queued or running job can be cancelled`,
    });
  });

  it("jobs.cancel (tRPC): a completed job is a CONFLICT; a job whose workflow is gone is cancelled and cleaned here", async () => {
    const { cp } = t.served;
    const trpc = trpcOf(cp, t.owner.caller);
    const done = await submitJob(cp, t.owner.token);
    await t.activities.startJobRun(done.id);
    await t.activities.recordJobResult(done.id, { metrics: {}, artifact: null, notes: [] });
    await expect(trpc.jobs.cancel({ id: done.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: `job ${done.id} has already completed: only a queued or running job can be cancelled`,
    });
    await expect(trpcOf(cp, t.outsider.caller).jobs.cancel({ id: done.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });

    const orphan = await submitJob(cp, t.owner.token);
    await cp.blobStore.put(`${jobArtifactPrefix(orphan.id)}model.tflite`, Readable.from([Buffer.from("x")]));
    await temporal.client.workflow.getHandle(orphan.workflow_id).terminate("the grid test ends it");
    const before = await usage(t.owner.caller);
    expect(await trpc.jobs.cancel({ id: orphan.id })).toMatchObject({ status: "cancelled" });
    expect(await cp.blobStore.list(jobArtifactPrefix(orphan.id))).toEqual([]);
    expect(await usage(t.owner.caller)).toBe(before);
    const metrics = await cp.metrics.registry.metrics();
    expect(metrics).toMatch(/tinyml_jobs_cancelled_total\{tier="basic"\} [1-9]/);
  });

  it("when Temporal is unreachable a cancel answers 503 and changes nothing", async () => {
    const { cp } = t.served;
    const job = await submitJob(cp, t.owner.token);
    const offline = await createControlPlane(
      loadControlPlaneConfig({
        DATABASE_URL: t.overrides.DATABASE_URL ?? `sqlite:${join(t.served.dir, "control-plane.sqlite")}`,
        DATA_DIR: t.served.dir,
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
        headers: { authorization: `Bearer ${t.owner.token}` },
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
    expect(await trpcOf(cp, t.owner.caller).jobs.get({ id: job.id })).toMatchObject({ status: "queued" });
    const description = await temporal.client.workflow.getHandle(job.workflow_id).describe();
    expect(description.status.name).toBe("RUNNING");
  });

  it("jobs.progress checks access before streaming and streams the stage's message", async () => {
    const { cp } = t.served;
    const job = await submitJob(cp, t.owner.token);
    // Another tenant's job and an unknown id: NOT_FOUND from the call itself, not an error inside a stream.
    await expect(trpcOf(cp, t.outsider.caller).jobs.progress({ id: job.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(trpcOf(cp, t.owner.caller).jobs.progress({ id: randomUUID() })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const sse = await call(
      `/trpc/jobs.progress?input=${encodeURIComponent(JSON.stringify({ id: job.id }))}`,
      t.outsider.token,
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

    const events = (await trpcOf(cp, t.owner.caller).jobs.progress({ id: job.id, intervalMs: 100 }))[
      Symbol.asyncIterator
    ]();
    expect((await events.next()).value).toMatchObject({ status: "queued", stage: "submitted", message: null });
    await t.activities.startJobRun(job.id);
    await t.activities.recordJobProgress(job.id, { stage: "quantize", progress: 0.5, message: "calibrating" });
    let seen = (await events.next()).value;
    if (seen?.stage === "analyze") seen = (await events.next()).value;
    expect(seen).toMatchObject({ status: "running", stage: "quantize", progress: 0.5, message: "calibrating" });
    // A new message alone is an update too.
    await t.activities.recordJobProgress(job.id, { stage: "quantize", progress: 0.5, message: "exporting .tflite" });
    expect((await events.next()).value).toMatchObject({ message: "exporting .tflite" });
    await trpcOf(cp, t.owner.caller).jobs.cancel({ id: job.id });
    expect((await events.next()).value).toMatchObject({ status: "cancelled" });
    expect((await events.next()).done).toBe(true);
    const rest = (await (await call(`/api/jobs/${job.id}`, t.owner.token)).json()) as { message: string | null };
    expect(rest.message).toBe("exporting .tflite");
  });
});
