import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { ApplicationFailure, Client, Connection } from "@temporalio/client";
import { DefaultLogger, Runtime } from "@temporalio/worker";
import {
  type Caller,
  type ControlPlane,
  createCaller,
  createContextInner,
  createControlPlane,
  createControlPlaneActivities,
  loadControlPlaneConfig,
} from "@tinyml/control-plane";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { REPO_ROOT } from "../../services/launch.js";
import { freshPostgresDatabase, s3BlobSettings } from "../../services/stack-settings.js";

/**
 * The shared set-up of the control plane's grid suites (control-plane-grid-*.test.ts) on the real stack: a
 * served control plane, sign-ups and job submissions. Every control plane here polls a task queue of its own, so
 * test files that share the Temporal server never take each other's activities.
 */

export const env = inject("stackEnv");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures"));
export const KWS_TFLITE = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model.tflite");
export const MNIST_ONNX = join(FIXTURES, "onnx/mnist-2018-opset1/model.onnx");
export const MNIST_NPZ = join(FIXTURES, "onnx/mnist-2018-opset1/test_data_0.npz");
export const JWT_SECRET = "grid-integration-secret-grid-integration-secret";

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** SQLite: the served control plane's own file (no override); PostgreSQL: a fresh database on the real server. */
export const DATABASES = [
  { name: "SQLite", overrides: async (): Promise<Record<string, string>> => ({}) },
  { name: "PostgreSQL", overrides: async () => ({ DATABASE_URL: await freshPostgresDatabase(env, "grid") }) },
];

export const S3_CONFIG = s3BlobSettings(env);

export interface Served {
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
export async function serveControlPlane(overrides: Record<string, string> = {}): Promise<Served> {
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
export async function signup(cp: ControlPlane, name: string) {
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

export const trpcOf = (cp: ControlPlane, caller: Caller | null = null) =>
  createCaller(createContextInner({ services: cp.services, caller }));

/** Submits a job through the REST optimize route (model and optional dataset streamed to the blob store). */
export async function submitJob(
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
export async function failureOf(call: Promise<unknown>): Promise<ApplicationFailure> {
  const outcome = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(outcome instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure, got ${String(outcome)}`);
  return outcome;
}

/** A Temporal client on the stack's dev server for the enclosing file or `describe`; `.client` once it has run. */
export function useTemporalClient() {
  const temporal = {} as { client: Client };
  let connection: Connection | undefined;
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger("WARN") });
    connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
    temporal.client = new Client({ connection });
  });
  afterAll(() => connection?.close());
  return temporal;
}

export const FARM_TOKEN = "farm-token-for-the-grid-tests-0123";

/** What `useGridTenants` sets up: a served control plane taking farm reports, and two organizations on it. */
interface GridTenants {
  served: Served;
  overrides: Record<string, string>;
  owner: Awaited<ReturnType<typeof signup>>;
  outsider: Awaited<ReturnType<typeof signup>>;
  activities: ReturnType<typeof createControlPlaneActivities>;
}

/**
 * Serves a control plane on `db` for the enclosing `describe` (with FARM_TOKEN set) with an owner on Basic and an
 * outsider on Free, and returns the calls its tests make; `t` is filled in by the time tests run.
 */
export function useGridTenants(db: (typeof DATABASES)[number]) {
  const t = {} as GridTenants;
  beforeAll(async () => {
    t.overrides = await db.overrides();
    t.served = await serveControlPlane({ ...t.overrides, FARM_TOKEN });
    const { cp } = t.served;
    t.activities = createControlPlaneActivities({
      orm: cp.orm,
      blobStore: cp.blobStore,
      recorder: cp.services.jobRecorder,
    });
    t.owner = await signup(cp, "Owner");
    await trpcOf(cp, t.owner.caller).subscription.upgrade({ tier: "basic" });
    t.outsider = await signup(cp, "Outsider");
  });
  afterAll(() => t.served?.close());

  const call = (path: string, token: string | null, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    return t.served.cp.app.request(path, { ...init, headers });
  };
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
  const usage = async (caller: Caller) => (await trpcOf(t.served.cp, caller).subscription.get()).usage.optimizations;

  return { t, call, errorOf, usage };
}
