import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { Client, Connection } from "@temporalio/client";
import { type ControlPlane, createControlPlane, ERROR_CODES, loadControlPlaneConfig } from "@tinyml/control-plane";
import {
  createTinymlClient,
  createTinymlRestClient,
  describeError,
  isServiceErrorCode,
  SERVICE_ERROR_CODES,
  type TinymlApiError,
  toTinymlError,
} from "@tinyml/sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import { s3BlobSettings, signUpWithApiKey } from "../services/stack-settings.js";

/**
 * The SDK against a control plane listening on a real port (SQLite, blobs in the real S3-compatible server,
 * jobs started on the real Temporal dev server): typed tRPC calls, the REST upload, `jobs.progress` over
 * server-sent events while the control plane's job recorder writes what the workflow's activities will write.
 */

const env = inject("stackEnv");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures"));
const KWS = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model_float32.tflite");

let dir: string;
let cp: ControlPlane;
let server: ReturnType<typeof serve>;
let url: string;
let temporalConnection: Connection;
let temporal: Client;

/** A new account (its own organization, Free tier) and an API key made through the SDK. */
async function newAccount(name: string) {
  const { apiKey, api } = await signUpWithApiKey(url, `sdk-${name.toLowerCase()}`);
  return { apiKey, api, rest: createTinymlRestClient({ url, apiKey }) };
}

const failureOf = async (call: Promise<unknown>) =>
  toTinymlError(
    await call.then(
      () => null,
      (e: unknown) => e,
    ),
    url,
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sdk-client-"));
  cp = await createControlPlane(
    loadControlPlaneConfig({
      DATA_DIR: dir,
      ...s3BlobSettings(env),
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      OUTBOX_PRINT: "false",
    }),
  );
  await new Promise<void>((done) => {
    server = serve({ fetch: cp.app.fetch, port: 0, hostname: "127.0.0.1" }, () => done());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  temporalConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
  temporal = new Client({ connection: temporalConnection });
});

afterAll(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  await temporalConnection?.close();
  await cp?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the SDK against the running control plane", () => {
  let account: Awaited<ReturnType<typeof newAccount>>;
  let projectId: string;
  let jobId: string;

  beforeAll(async () => {
    account = await newAccount("Sdk");
  });

  it("lists the hardware targets (tRPC and REST) and creates a project", async () => {
    const targets = await account.api.targets.list.query();
    expect(targets.map((t) => t.id)).toContain("cortex-m4");
    expect((await account.rest.hardwareTargets()).map((t) => t.id)).toEqual(targets.map((t) => t.id));
    const project = await account.api.projects.create.mutate({ name: "KWS", description: "keyword spotting" });
    expect(project).toMatchObject({ name: "KWS", description: "keyword spotting" });
    projectId = project.id;
    expect((await account.api.projects.list.query()).map((p) => p.id)).toEqual([projectId]);
  });

  it("uploads a real model through the REST multipart route; the job exists and its workflow runs in Temporal", async () => {
    const job = await account.rest.optimize(projectId, {
      model: KWS,
      hardwareTarget: "cortex-m4",
      modelFramework: "tflite",
      quantizationType: "int8",
    });
    expect(job).toMatchObject({ project_id: projectId, status: "queued", hardware_target: "cortex-m4" });
    jobId = job.id;
    const viaTrpc = await account.api.jobs.get.query({ id: jobId });
    expect(viaTrpc).toMatchObject({ id: jobId, status: "queued", stage: "submitted", progress: 0 });
    expect(viaTrpc.spec).toMatchObject({ hardwareTarget: "cortex-m4", quantizationType: "int8" });
    const description = await temporal.workflow.getHandle(viaTrpc.workflow_id).describe();
    expect(description.type).toBe("optimizeModel");
    expect(description.taskQueue).toBe("optimize");
    expect(await account.rest.job(jobId)).toMatchObject({ id: jobId, workflow_id: viaTrpc.workflow_id });
  });

  it("follows jobs.progress over SSE while the job recorder writes progress and a result, in order", async () => {
    const steps = [
      { stage: "analyze", progress: 0.1 },
      { stage: "quantize", progress: 0.5 },
      { stage: "compile", progress: 0.8 },
    ] as const;
    const seen: { status: string; stage: string; progress: number }[] = [];
    let notify = () => {};
    const ended = new Promise<void>((done, fail) => {
      const subscription = account.api.jobs.progress.subscribe(
        { id: jobId, intervalMs: 100 },
        {
          onData(job) {
            seen.push({ status: job.status, stage: job.stage, progress: job.progress });
            notify();
            if (job.status === "completed") {
              subscription.unsubscribe();
              done();
            }
          },
          onError: fail,
          onComplete: done,
        },
      );
    });
    /** Waits until the subscription has delivered `count` updates (so the recorder's writes are not merged). */
    const delivered = (count: number) =>
      new Promise<void>((done) => {
        notify = () => seen.length >= count && done();
        notify();
      });
    await delivered(1);
    for (const [i, step] of steps.entries()) {
      expect(await cp.services.jobRecorder.recordProgress(jobId, step)).toBe(true);
      await delivered(i + 2);
    }
    await cp.services.jobRecorder.recordResult(jobId, {
      metrics: {
        flashBytes: { value: 44_216, unit: "B", source: "emulated" },
        latencyMs: { value: 100.2, unit: "ms", source: "estimated" },
        top1: { value: 0.903, source: "emulated" },
      },
    });
    await ended;
    expect(seen).toEqual([
      { status: "queued", stage: "submitted", progress: 0 },
      { status: "running", stage: "analyze", progress: 0.1 },
      { status: "running", stage: "quantize", progress: 0.5 },
      { status: "running", stage: "compile", progress: 0.8 },
      { status: "completed", stage: "done", progress: 1 },
    ]);
    const results = await account.api.jobs.results.query({ id: jobId });
    expect(results).toMatchObject({
      job_id: jobId,
      status: "completed",
      metrics: { flashBytes: { value: 44_216, unit: "B", source: "emulated" }, top1: { value: 0.903 } },
      artifact: null,
    });
    expect(await account.rest.results(jobId)).toEqual(results);
  });

  it("a wrong API key is a clear 401 on tRPC and REST", async () => {
    const wrong = { url, apiKey: "tk_not-a-real-key" };
    // Each call starts only when awaited: a rejection must never wait unhandled for its turn.
    for (const call of [
      () => createTinymlClient(wrong).projects.list.query(),
      () => createTinymlRestClient(wrong).job(jobId),
    ]) {
      const error = (await failureOf(call())) as TinymlApiError;
      expect(error).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
      expect(describeError(error)).toMatch(
        /invalid, expired or revoked.*check the API key \(tinyml login, or TINYML_API_KEY\)/,
      );
    }
    const anonymous = (await failureOf(createTinymlClient({ url }).projects.list.query())) as TinymlApiError;
    expect(anonymous).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    expect(anonymous.message).toMatch(/send an API key/);
  });

  it("another tenant's job is not found, through tRPC and REST", async () => {
    const other = await newAccount("Other");
    for (const call of [
      () => other.api.jobs.get.query({ id: jobId }),
      () => other.rest.results(jobId),
      () => other.rest.download(jobId),
    ]) {
      expect(await failureOf(call())).toMatchObject({
        status: 404,
        code: "NOT_FOUND",
        message: `job ${jobId} not found`,
      });
    }
  });

  it("a progress subscription to another tenant's job reports not found (while the link would retry it)", async () => {
    const other = await newAccount("Third");
    const error = await new Promise<unknown>((done) => {
      const subscription = other.api.jobs.progress.subscribe(
        { id: jobId },
        {
          onData: () => done(new Error("got data")),
          onError: done,
          onConnectionStateChange(state) {
            if (state.state === "connecting" && state.error) {
              subscription.unsubscribe();
              done(state.error);
            }
          },
        },
      );
    });
    expect(toTinymlError(error, url)).toMatchObject({
      status: 404,
      code: "NOT_FOUND",
      message: `job ${jobId} not found`,
    });
  });

  it("an upload well over the Free tier's 10 MB is the 413 message", async () => {
    // Over twice the limit, so the control plane refuses it from its declared length before reading it.
    const kws = await readFile(KWS);
    const big = new Uint8Array(21_500_000);
    big.set(kws);
    const error = await failureOf(
      account.rest.optimize(projectId, {
        model: { fileName: "big.tflite", data: new Blob([big]) },
        hardwareTarget: "cortex-m4",
        modelFramework: "tflite",
      }),
    );
    expect(error).toMatchObject({ status: 413, code: "PAYLOAD_TOO_LARGE" });
    expect(describeError(error)).toMatch(
      /^the upload \(\d+ bytes\) is larger than the Free tier allows \(10 MB per file\) \(PAYLOAD_TOO_LARGE, HTTP 413\): send a smaller file or upgrade the subscription$/,
    );
  });

  it("an unreachable server is a connection error naming the URL", async () => {
    const closed = "http://127.0.0.1:59";
    const error = toTinymlError(
      await createTinymlClient({ url: closed })
        .targets.list.query()
        .catch((e: unknown) => e),
      closed,
    );
    expect(error.name).toBe("TinymlConnectionError");
    expect(describeError(error)).toMatch(/cannot reach the TinyML service at http:\/\/127\.0\.0\.1:59: ECONNREFUSED/);
  });

  it("knows every error code the control plane can send: its table and its served document", async () => {
    expect([...SERVICE_ERROR_CODES].sort()).toEqual([...ERROR_CODES].sort());
    const doc = (await (await fetch(`${url}/api/docs/openapi.json`)).json()) as {
      components: { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } };
    };
    const sent = doc.components.schemas.Error.properties.error.properties.code.enum;
    expect(sent.filter((code) => !isServiceErrorCode(code))).toEqual([]);
  });
});
