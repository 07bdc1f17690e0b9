import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type Caller,
  type ControlPlane,
  createCaller,
  createContextInner,
  createControlPlane,
  loadControlPlaneConfig,
} from "@tinyml/control-plane";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { REPO_ROOT } from "../../services/launch.js";
import { freshPostgresDatabase } from "../../services/stack-settings.js";
import { type SmtpInbox, startSmtpInbox } from "./smtp-inbox.js";

/**
 * The shared set-up of the control plane's API suites (control-plane-api-*.test.ts), each written once and run
 * on both databases: an SQLite file and the real PostgreSQL server of the integration stack. Routers are called
 * through `createCaller`, REST routes through `app.request`; jobs are started on the real Temporal dev server;
 * blobs go to a local folder; mail (e-mail verification, password reset) to a real SMTP server on loopback.
 */

export const env = inject("stackEnv");
export const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures"));
const KWS_TFLITE = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model.tflite");

interface DatabaseCase {
  name: string;
  url(dir: string): Promise<string>;
}

export const DATABASES: DatabaseCase[] = [
  { name: "SQLite", url: async (dir) => `sqlite:${join(dir, "control-plane.sqlite")}` },
  {
    name: "PostgreSQL",
    // A fresh database per run on the shared server, so every run starts from an empty schema.
    url: () => freshPostgresDatabase(env, "cp"),
  },
];

/** What one suite's control plane holds once its `beforeAll` has run. */
interface ControlPlaneApi {
  dir: string;
  databaseUrl: string;
  cp: ControlPlane;
  /** The MLPerf Tiny keyword-spotting model, a real TFLite file to upload. */
  kws: Buffer;
  /** What the control plane mailed. */
  inbox: SmtpInbox;
}

/**
 * Starts a control plane on `db` for the enclosing `describe` (and closes it after), and returns the helpers its
 * tests call it through. Call it inside `describe`; the returned `api` is filled in by the time tests run.
 */
export function useControlPlaneApi(db: DatabaseCase) {
  const api = {} as ControlPlaneApi;

  const configFor = (overrides: Record<string, string> = {}) =>
    loadControlPlaneConfig({
      DATABASE_URL: api.databaseUrl,
      DATA_DIR: api.dir,
      BLOB_DIR: join(api.dir, "blobs"),
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      OUTBOX_PRINT: "false",
      RATE_LIMIT_PER_MINUTE: "100000",
      SMTP_URL: api.inbox.url,
      MAIL_FROM: "TinyML <no-reply@tinyml.test>",
      // Shared by every control plane of the run, as by every process of one deployment.
      JWT_SECRET: "integration-secret-integration-secret-0123456789",
      // No activity worker: these control planes must not take control-plane activities of other test files.
      CONTROL_PLANE_WORKER: "false",
      ...overrides,
    });

  beforeAll(async () => {
    api.dir = await mkdtemp(join(tmpdir(), "cp-api-"));
    api.inbox = await startSmtpInbox();
    api.databaseUrl = await db.url(api.dir);
    api.cp = await createControlPlane(configFor());
    api.kws = await readFile(KWS_TFLITE);
  });
  afterAll(async () => {
    await api.cp?.close();
    await api.inbox?.close();
    await rm(api.dir, { recursive: true, force: true });
  });

  return { api, configFor, ...callers(api) };
}

/** The ways a test reaches the control plane: tRPC callers, REST requests, and the sign-ups they need. */
function callers(api: ControlPlaneApi) {
  const trpc = (caller: Caller | null = null) =>
    createCaller(createContextInner({ services: api.cp.services, caller }));

  /** Signs a new user up; returns its session and its caller in its personal organization. */
  async function signup(name: string, email = `${name.toLowerCase()}-${randomUUID()}@tinyml.test`) {
    const session = await trpc().auth.signup({ email, password: `${name}-password-1`, name });
    const caller = await api.cp.services.auth.authenticate(session.accessToken);
    if (!caller) throw new Error("a fresh access token did not authenticate");
    return { session, caller, email, password: `${name}-password-1` };
  }

  /** A user added to `owner`'s organization with `role`, signed in there: its access token and caller. */
  async function memberOf(owner: Caller, role: "admin" | "member", name: string) {
    const user = await signup(name);
    await trpc(owner).orgs.addMember({ email: user.email, role });
    const session = await trpc().auth.login({
      email: user.email,
      password: user.password,
      organizationId: owner.organizationId,
    });
    const caller = await api.cp.services.auth.authenticate(session.accessToken);
    if (!caller) throw new Error("login token did not authenticate");
    return { token: session.accessToken, caller, user };
  }

  const request = (path: string, init: RequestInit & { token?: string | undefined } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set("authorization", `Bearer ${init.token}`);
    return api.cp.app.request(path, { ...init, headers });
  };

  const createProject = async (token: string, name = "Keyword spotting") => {
    const res = await request("/api/projects", {
      method: "POST",
      token,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, description: "DS-CNN for Cortex-M4" }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; organization_id: string };
  };

  const blobsOf = async (organizationId: string) => api.cp.blobStore.list(`orgs/${organizationId}/`);

  return { trpc, signup, memberOf, request, optimizeForm, createProject, blobsOf };
}

/** The multipart form of `POST /api/projects/{id}/optimize`: the model file and the job's fields. */
export function optimizeForm(file: Blob, fileName: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.set("model_file", file, fileName);
  for (const [k, v] of Object.entries({
    hardware_target: "cortex-m4",
    model_framework: "tflite",
    target_size_kb: "100",
    target_accuracy_threshold: "0.90",
    enable_quantization: "true",
    enable_pruning: "true",
    quantization_type: "int8",
    pruning_sparsity: "0.5",
    ...fields,
  })) {
    form.set(k, v);
  }
  return form;
}
