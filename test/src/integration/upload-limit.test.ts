import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { Client, Connection } from "@temporalio/client";
import { type ControlPlane, createControlPlane, loadControlPlaneConfig } from "@tinyml/control-plane";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import { s3BlobSettings } from "../services/stack-settings.js";

/**
 * The Free tier's upload limit over a real socket: a control plane listening on a port, `fetch` sending the
 * multipart body while the server streams it into the blob store, on both blob stores (a local folder and
 * the real S3-compatible server). An oversized model is answered 413 (not a hung request), nothing is
 * stored, no quota is taken, and the same server takes the next upload. Each case has its own timeout, so a
 * server that stops reading the body fails the test instead of hanging it.
 */

const env = inject("stackEnv");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures"));
const KWS_TFLITE = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model.tflite");
const CASE_TIMEOUT_MS = 30_000;
const FREE_LIMIT = 10_000_000;

interface BlobStoreCase {
  name: string;
  config(dir: string): Record<string, string>;
}

const BLOB_STORES: BlobStoreCase[] = [
  { name: "a local folder", config: (dir) => ({ BLOB_DIR: join(dir, "blobs") }) },
  {
    name: "the S3-compatible server",
    config: () => s3BlobSettings(env),
  },
];

let temporalConnection: Connection;
let temporal: Client;
let kws: Buffer;
beforeAll(async () => {
  temporalConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
  temporal = new Client({ connection: temporalConnection });
  kws = await readFile(KWS_TFLITE);
});
afterAll(() => temporalConnection?.close());

/** A model file of `size` bytes that starts with a real TFLite model, so only its size can be wrong. */
function modelOfSize(size: number): Blob {
  const bytes = new Uint8Array(size);
  bytes.set(kws);
  return new Blob([bytes]);
}

function optimizeForm(model: Blob, fileName: string): FormData {
  const form = new FormData();
  form.set("model_file", model, fileName);
  form.set("hardware_target", "cortex-m4");
  form.set("model_framework", "tflite");
  return form;
}

describe.each(BLOB_STORES)("uploads over a real socket with blobs in $name", (store) => {
  let dir: string;
  let cp: ControlPlane;
  let server: ReturnType<typeof serve>;
  let base: string;
  let token: string;
  let organizationId: string;
  let projectId: string;

  const optimize = (init: RequestInit) =>
    fetch(`${base}/api/projects/${projectId}/optimize`, {
      method: "POST",
      ...init,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
    });
  const storedBlobs = () => cp.blobStore.list(`orgs/${organizationId}/`);
  const rowCount = async (table: "models" | "jobs") => {
    const [row] = await cp.orm.em
      .fork()
      .getConnection()
      .execute(`select count(*) as n from ${table} where organization_id = ?`, [organizationId]);
    return Number(row?.n);
  };
  const usedOptimizations = async () => {
    const res = await fetch(`${base}/api/subscription`, { headers: { authorization: `Bearer ${token}` } });
    return ((await res.json()) as { usage: { optimizations: number } }).usage.optimizations;
  };
  const expectNothingStored = async () => {
    expect(await storedBlobs()).toEqual([]);
    expect(await rowCount("models")).toBe(0);
    expect(await rowCount("jobs")).toBe(0);
    expect(await usedOptimizations()).toBe(0);
  };
  /** A normal upload on a new request after a refused one: the server still reads and stores it. */
  const expectSmallUploadAccepted = async () => {
    const res = await optimize({ body: optimizeForm(new Blob([kws]), "kws.tflite") });
    expect(res.status).toBe(202);
    const job = (await res.json()) as { workflow_id: string; model: { size_bytes: number; format: string } };
    expect(job.model).toMatchObject({ size_bytes: kws.length, format: "tflite" });
    expect(await storedBlobs()).toHaveLength(1);
    expect(await rowCount("jobs")).toBe(1);
    expect(await usedOptimizations()).toBe(1);
    await temporal.workflow.getHandle(job.workflow_id).terminate("upload-limit test: the job is not run");
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "upload-limit-"));
    cp = await createControlPlane(
      loadControlPlaneConfig({
        DATA_DIR: dir,
        ...store.config(dir),
        TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
        OUTBOX_PRINT: "false",
        RATE_LIMIT_PER_MINUTE: "100000",
      }),
    );
    await new Promise<void>((done) => {
      server = serve({ fetch: cp.app.fetch, port: 0, hostname: "127.0.0.1" }, () => done());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  // A new Free organization and project for each case, so each one's "nothing stored" is its own.
  beforeEach(async () => {
    const signup = await fetch(`${base}/trpc/auth.signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `limit-${randomUUID()}@tinyml.test`, password: "limit-password-1", name: "L" }),
    });
    token = ((await signup.json()) as { result: { data: { accessToken: string } } }).result.data.accessToken;
    const created = await fetch(`${base}/api/projects`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: "upload limit" }),
    });
    expect(created.status).toBe(201);
    projectId = ((await created.json()) as { id: string }).id;
    const [row] = await cp.orm.em
      .fork()
      .getConnection()
      .execute("select organization_id from projects where id = ?", [projectId]);
    organizationId = String(row?.organization_id);
  });

  afterAll(async () => {
    // Connections a failed case left hanging are cut, so a regression fails its case, not this hook.
    await new Promise<void>((done) => {
      if (!server) return done();
      server.close(() => done());
      (server as HttpServer).closeAllConnections();
    });
    await cp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "an 11 MB model on Free is answered 413 with the limit in the message, nothing is stored, the next upload works",
    async () => {
      const res = await optimize({ body: optimizeForm(modelOfSize(11_000_000), "big.tflite") });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        error: {
          code: "PAYLOAD_TOO_LARGE",
          message:
            'model_file "big.tflite" is larger than the Free tier allows (10 MB): send a smaller file or upgrade the subscription',
        },
      });
      expect(res.headers.get("connection")).toBe("keep-alive"); // the whole body was read: the connection stays usable
      await expectNothingStored();
      await expectSmallUploadAccepted();
    },
    CASE_TIMEOUT_MS,
  );

  it(
    "a 25 MB body is refused from its Content-Length before it is read, and the next upload works",
    async () => {
      const res = await optimize({ body: optimizeForm(modelOfSize(25_000_000), "huge.tflite") });
      expect(res.status).toBe(413);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("PAYLOAD_TOO_LARGE");
      expect(error.message).toMatch(
        /^the upload \(250\d{5} bytes\) is larger than the Free tier allows \(10 MB per file\)$/,
      );
      await expectNothingStored();
      await expectSmallUploadAccepted();
    },
    CASE_TIMEOUT_MS,
  );

  it(
    "a 200 MB model sent without a Content-Length is answered 413 after a bounded read and the connection is closed",
    async () => {
      // A chunked body: the server cannot refuse it up front, so it must stop reading it on its own.
      const encoded = new Response(optimizeForm(modelOfSize(200_000_000), "chunked.tflite"));
      const started = Date.now();
      const res = await optimize({
        body: encoded.body,
        headers: { "content-type": encoded.headers.get("content-type") as string },
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        'model_file "chunked.tflite" is larger than the Free tier allows (10 MB): send a smaller file or upgrade the subscription',
      );
      expect(res.headers.get("connection")).toBe("close");
      expect(Date.now() - started).toBeLessThan(CASE_TIMEOUT_MS / 2);
      await expectNothingStored();
      await expectSmallUploadAccepted();
    },
    CASE_TIMEOUT_MS,
  );

  it(
    "a model of exactly 10 MB is within the Free limit and is accepted",
    async () => {
      const res = await optimize({ body: optimizeForm(modelOfSize(FREE_LIMIT), "exact.tflite") });
      expect(res.status).toBe(202);
      const job = (await res.json()) as { workflow_id: string; model: { size_bytes: number } };
      expect(job.model.size_bytes).toBe(FREE_LIMIT);
      expect(await storedBlobs()).toHaveLength(1);
      await temporal.workflow.getHandle(job.workflow_id).terminate("upload-limit test: the job is not run");
    },
    CASE_TIMEOUT_MS,
  );
});
