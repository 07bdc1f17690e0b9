import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import { Client, Connection } from "@temporalio/client";
import { type ControlPlane, createControlPlane, loadControlPlaneConfig } from "@tinyml/control-plane";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import { s3BlobSettings } from "../services/stack-settings.js";

/**
 * Every curl example of the original specification, sent with `fetch` to a control plane listening on a real
 * port: embedded SQLite database, blobs in the real S3-compatible server, jobs started on the real Temporal
 * dev server. The only addition to the examples is the `Authorization` header (the original had no auth).
 */

const env = inject("stackEnv");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures"));

let dir: string;
let cp: ControlPlane;
let server: ReturnType<typeof serve>;
let base: string;
let apiKey: string;
let temporalConnection: Connection;
let temporal: Client;

async function trpcMutation<T>(path: string, input: unknown, token?: string): Promise<T> {
  const res = await fetch(`${base}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok || !body.result) throw new Error(`${path}: ${res.status} ${JSON.stringify(body.error)}`);
  return body.result.data;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cp-curl-"));
  cp = await createControlPlane(
    loadControlPlaneConfig({
      DATA_DIR: dir, // embedded default: the SQLite file lives here
      ...s3BlobSettings(env),
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      OUTBOX_PRINT: "false",
    }),
  );
  await new Promise<void>((done) => {
    server = serve({ fetch: cp.app.fetch, port: 0, hostname: "127.0.0.1" }, () => done());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  temporalConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
  temporal = new Client({ connection: temporalConnection });

  // Sign up and make an API key over HTTP (tRPC), as the SDK and a CI job would.
  const session = await trpcMutation<{ accessToken: string }>("auth.signup", {
    email: `curl-${randomUUID()}@tinyml.test`,
    password: "curl-password-1",
    name: "Curl",
  });
  apiKey = (await trpcMutation<{ key: string }>("apiKeys.create", { name: "curl" }, session.accessToken)).key;
});

afterAll(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  await temporalConnection?.close();
  await cp?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the original specification's curl examples against the running server", () => {
  let projectId: string;
  let jobId: string;
  let modelBytes: Buffer;

  it("1. creates a project", async () => {
    // curl -X POST http://localhost:5000/api/projects -H "Content-Type: application/json" -d '{…}'
    const res = await fetch(`${base}/api/projects`, {
      method: "POST",
      headers: { "Content-Type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ name: "Image Classification Model", description: "Optimizing ResNet for Cortex-M4" }),
    });
    expect(res.status).toBe(201);
    const project = (await res.json()) as { id: string; name: string; description: string };
    expect(project).toMatchObject({
      name: "Image Classification Model",
      description: "Optimizing ResNet for Cortex-M4",
    });
    projectId = project.id;
  });

  it("2. starts an optimization job with a multipart upload of model.h5; its workflow is visible in Temporal", async () => {
    // curl -X POST http://localhost:5000/api/projects/1/optimize -F "model_file=@model.h5" -F … (the example's fields)
    modelBytes = await readFile(join(FIXTURES, "mlperf-tiny/ad/ad01.h5"));
    const form = new FormData();
    form.set("model_file", new File([modelBytes], "model.h5"));
    form.set("hardware_target", "cortex-m4");
    form.set("model_framework", "tensorflow");
    form.set("target_size_kb", "100");
    form.set("target_accuracy_threshold", "0.90");
    form.set("enable_quantization", "true");
    form.set("enable_pruning", "true");
    form.set("quantization_type", "int8");
    form.set("pruning_sparsity", "0.5");
    const res = await fetch(`${base}/api/projects/${projectId}/optimize`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}` },
      body: form,
    });
    expect(res.status).toBe(202);
    const job = (await res.json()) as {
      job_id: string;
      workflow_id: string;
      status: string;
      model: { format: string; size_bytes: number; id: string };
    };
    expect(job.status).toBe("queued");
    expect(job.model).toMatchObject({ format: "keras-h5", size_bytes: modelBytes.length });
    jobId = job.job_id;

    const description = await temporal.workflow.getHandle(job.workflow_id).describe();
    expect(description).toMatchObject({ type: "optimizeModel", taskQueue: "optimize" });
    expect(description.status.name).toBe("RUNNING");

    // The model is in the S3 bucket, byte for byte.
    const em = cp.orm.em.fork();
    const [row] = await em.getConnection().execute("select blob_key from models where id = ?", [job.model.id]);
    const chunks: Buffer[] = [];
    for await (const c of await cp.blobStore.get(String(row?.blob_key))) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(modelBytes)).toBe(true);
  });

  it("3. checks the job status", async () => {
    // curl http://localhost:5000/api/jobs/{job_id}
    const res = await fetch(`${base}/api/jobs/${jobId}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: jobId,
      project_id: projectId,
      status: "queued",
      stage: "submitted",
      hardware_target: "cortex-m4",
      spec: { modelFramework: "tensorflow", quantizationType: "int8", pruningSparsity: 0.5 },
    });
  });

  it("4. gets the results: 409 while the job runs, the figures once it has completed", async () => {
    // curl http://localhost:5000/api/jobs/{job_id}/results
    const early = await fetch(`${base}/api/jobs/${jobId}/results`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { message: string } }).error.message).toBe(
      `job ${jobId} is queued (stage submitted): results exist once it has completed`,
    );

    // Record the outcome the way the control-plane activities of optimizeModel will (a later issue).
    const em = cp.orm.em.fork();
    const [job] = await em.getConnection().execute("select organization_id from jobs where id = ?", [jobId]);
    const artifactKey = `orgs/${job?.organization_id}/artifacts/${jobId}/model_int8.tflite`;
    await cp.blobStore.put(artifactKey, Readable.from([Buffer.from("TFL3 artifact")]));
    await cp.services.jobRecorder.recordResult(jobId, {
      metrics: { accuracy: { value: 0.84, source: "emulated" }, flashBytes: { value: 270000, source: "emulated" } },
      artifact: { blobKey: artifactKey, fileName: "model_int8.tflite" },
    });
    const res = await fetch(`${base}/api/jobs/${jobId}/results`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      job_id: jobId,
      status: "completed",
      metrics: { accuracy: { value: 0.84, source: "emulated" } },
      artifact: "model_int8.tflite",
    });
    const download = await fetch(`${base}/api/jobs/${jobId}/download`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe("TFL3 artifact");
  });

  it("serves the core endpoints and the browsable documentation", async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: "ok" });
    const info = (await (await fetch(`${base}/`)).json()) as { endpoints: string[] };
    expect(info.endpoints).toContain("POST /api/projects/{id}/optimize");
    const page = await fetch(`${base}/api/docs`, { headers: { accept: "text/html" } });
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain("/api/projects/{id}/optimize");
    const doc = (await (await fetch(`${base}/api/docs`)).json()) as { openapi: string; servers: { url: string }[] };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: base }]);
  });
});
