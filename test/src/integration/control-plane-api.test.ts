import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { Client, Connection } from "@temporalio/client";
import {
  appRouter,
  type Caller,
  type ControlPlane,
  createCaller,
  createContextInner,
  createControlPlane,
  loadControlPlaneConfig,
} from "@tinyml/control-plane";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import { freshPostgresDatabase } from "../services/stack-settings.js";

/**
 * The control plane's API suite, written once and run on both databases: an SQLite file and the real
 * PostgreSQL server of the integration stack. Routers are called through `createCaller`, REST routes through
 * `app.request`; jobs are started on the real Temporal dev server; blobs go to a local folder.
 */

const env = inject("stackEnv");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures"));
const KWS_TFLITE = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model.tflite");

interface DatabaseCase {
  name: string;
  url(dir: string): Promise<string>;
}

const DATABASES: DatabaseCase[] = [
  { name: "SQLite", url: async (dir) => `sqlite:${join(dir, "control-plane.sqlite")}` },
  {
    name: "PostgreSQL",
    // A fresh database per run on the shared server, so every run starts from an empty schema.
    url: () => freshPostgresDatabase(env, "cp"),
  },
];

let temporal: Client;
let temporalConnection: Connection;
beforeAll(async () => {
  temporalConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
  temporal = new Client({ connection: temporalConnection });
});
afterAll(() => temporalConnection?.close());

describe.each(DATABASES)("control plane on $name", (db) => {
  let dir: string;
  let databaseUrl: string;
  let cp: ControlPlane;
  let kws: Buffer;

  const configFor = (overrides: Record<string, string> = {}) =>
    loadControlPlaneConfig({
      DATABASE_URL: databaseUrl,
      DATA_DIR: dir,
      BLOB_DIR: join(dir, "blobs"),
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS,
      OUTBOX_PRINT: "false",
      RATE_LIMIT_PER_MINUTE: "100000",
      OPERATOR_EMAILS: "operator@tinyml.test",
      // Shared by every control plane of the run, as by every process of one deployment.
      JWT_SECRET: "integration-secret-integration-secret-0123456789",
      // No activity worker: these control planes must not take control-plane activities of other test files.
      CONTROL_PLANE_WORKER: "false",
      ...overrides,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-api-"));
    databaseUrl = await db.url(dir);
    cp = await createControlPlane(configFor());
    kws = await readFile(KWS_TFLITE);
  });
  afterAll(async () => {
    await cp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const trpc = (caller: Caller | null = null) => createCaller(createContextInner({ services: cp.services, caller }));

  /** Signs a new user up; returns its session and its caller in its personal organization. */
  async function signup(name: string, email = `${name.toLowerCase()}-${randomUUID()}@tinyml.test`) {
    const session = await trpc().auth.signup({ email, password: `${name}-password-1`, name });
    const caller = await cp.services.auth.authenticate(session.accessToken);
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
    const caller = await cp.services.auth.authenticate(session.accessToken);
    if (!caller) throw new Error("login token did not authenticate");
    return { token: session.accessToken, caller, user };
  }

  const request = (path: string, init: RequestInit & { token?: string | undefined } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set("authorization", `Bearer ${init.token}`);
    return cp.app.request(path, { ...init, headers });
  };

  const optimizeForm = (file: Blob, fileName: string, fields: Record<string, string> = {}) => {
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

  const blobsOf = async (organizationId: string) => cp.blobStore.list(`orgs/${organizationId}/`);

  describe("auth (tRPC through createCaller)", () => {
    it("signs up with an argon2id hash, a personal organization on Free and an owner membership", async () => {
      const { session, caller, email } = await signup("Ada");
      expect(session.user.email).toBe(email);
      expect(caller).toMatchObject({ role: "owner", via: "access-token", organizationId: session.organizationId });
      const em = cp.orm.em.fork();
      const [row] = await em.getConnection().execute("select password_hash from users where email = ?", [email]);
      expect(String(row?.password_hash)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect((await trpc(caller).subscription.get()).tier).toBe("free");
      await expect(trpc().auth.signup({ email, password: "another-password", name: "Ada" })).rejects.toThrow(
        /already exists/,
      );
      // Concurrent sign-ups with one e-mail: one account, the others a clear conflict.
      const racing = `race-${randomUUID()}@tinyml.test`;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, () => trpc().auth.signup({ email: racing, password: "race-password", name: "Race" })),
      );
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      for (const o of outcomes.filter((o) => o.status === "rejected")) {
        expect((o as PromiseRejectedResult).reason).toMatchObject({
          code: "CONFLICT",
          message: `an account already exists for ${racing}`,
        });
      }
    });

    it("refuses a wrong password and a malformed e-mail, changing nothing", async () => {
      const { email } = await signup("Bob");
      await expect(trpc().auth.login({ email, password: "wrong-password" })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
        message: "wrong e-mail or password",
      });
      await expect(
        trpc().auth.signup({ email: "not-an-email", password: "0123456789", name: "X" }),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
      const em = cp.orm.em.fork();
      const [count] = await em
        .getConnection()
        .execute("select count(*) as n from users where email = ?", ["not-an-email"]);
      expect(Number(count?.n)).toBe(0);
    });

    it("rotates refresh tokens and revokes the family when a spent one is reused", async () => {
      const { session, caller, password } = await signup("Cy");
      const second = await trpc().auth.refresh({ refreshToken: session.refreshToken });
      expect(second.refreshToken).not.toBe(session.refreshToken);
      expect(await cp.services.auth.authenticate(second.accessToken)).not.toBeNull();
      await expect(trpc().auth.refresh({ refreshToken: session.refreshToken })).rejects.toThrow(/already used/);
      // The reuse revoked the newer token of the same family too.
      await expect(trpc().auth.refresh({ refreshToken: second.refreshToken })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
      // Logging out revokes a session's refresh token.
      const other = await trpc().auth.login({ email: (await trpc(caller).users.me()).email, password });
      await trpc().auth.logout({ refreshToken: other.refreshToken });
      await expect(trpc().auth.refresh({ refreshToken: other.refreshToken })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    });

    it("resets a password through the outbox with a single-use token, ending old sessions", async () => {
      const { email, session, password } = await signup("Dee");
      await trpc().auth.requestPasswordReset({ email });
      await trpc().auth.requestPasswordReset({ email: "nobody@tinyml.test" }); // same answer, no message
      const em = cp.orm.em.fork();
      const messages = await em
        .getConnection()
        .execute("select recipient, body from outbox_messages where recipient in (?, ?)", [
          email,
          "nobody@tinyml.test",
        ]);
      expect(messages.map((m: { recipient: string }) => m.recipient)).toEqual([email]);
      const token = String(messages[0]?.body).trim().split("\n").at(-1) as string;
      const [stored] = await em
        .getConnection()
        .execute(
          "select token_hash from password_reset_tokens where user_id = (select id from users where email = ?)",
          [email],
        );
      expect(String(stored?.token_hash)).not.toContain(token); // only the hash is kept

      await trpc().auth.resetPassword({ token, newPassword: "a-brand-new-password" });
      await expect(trpc().auth.resetPassword({ token, newPassword: "yet-another-password" })).rejects.toThrow(
        /invalid, already used or expired/,
      );
      await expect(trpc().auth.login({ email, password })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      expect((await trpc().auth.login({ email, password: "a-brand-new-password" })).user.email).toBe(email);
      await expect(trpc().auth.refresh({ refreshToken: session.refreshToken })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    });

    it("updates the profile; e-mail and password changes need the current password", async () => {
      const { caller, password } = await signup("Eve");
      expect((await trpc(caller).users.updateProfile({ name: "Eve Online" })).name).toBe("Eve Online");
      await expect(trpc(caller).users.updateProfile({ email: "eve2@tinyml.test" })).rejects.toThrow(
        /needs the current password/,
      );
      expect((await trpc(caller).users.me()).email).not.toBe("eve2@tinyml.test");
      const changed = await trpc(caller).users.updateProfile({ email: "Eve2@tinyml.test", currentPassword: password });
      expect(changed.email).toBe("eve2@tinyml.test");
    });

    it("shows an API key once, stores only its hash, and refuses it once revoked", async () => {
      const { caller } = await signup("Fay");
      const created = await trpc(caller).apiKeys.create({ name: "ci" });
      expect(created.key).toMatch(/^tml_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      const listed = await trpc(caller).apiKeys.list();
      expect(listed).toHaveLength(1);
      expect(JSON.stringify(listed)).not.toContain(created.key.slice("tml_".length + 13)); // the secret part
      const em = cp.orm.em.fork();
      const rows = await em.getConnection().execute("select secret_hash from api_keys where id = ?", [created.id]);
      expect(String(rows[0]?.secret_hash)).toMatch(/^[0-9a-f]{64}$/);

      expect((await request("/api/projects", { token: created.key })).status).toBe(200);
      await trpc(caller).apiKeys.revoke({ id: created.id });
      const refused = await request("/api/projects", { token: created.key });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({
        error: { code: "UNAUTHORIZED", message: "the bearer token or API key is invalid, expired or revoked" },
      });
    });
  });

  describe("organizations and roles", () => {
    it("admins manage members and keys; members manage only their own keys; an organization keeps an owner", async () => {
      const owner = await signup("Wes");
      const admin = await memberOf(owner.caller, "admin", "Xia");
      const member = await memberOf(owner.caller, "member", "Yan");
      expect((await trpc(owner.caller).orgs.members()).map((m) => m.role)).toEqual(["owner", "admin", "member"]);

      const memberKey = await trpc(member.caller).apiKeys.create({ name: "member key" });
      const adminKey = await trpc(admin.caller).apiKeys.create({ name: "admin key" });
      await expect(trpc(member.caller).apiKeys.revoke({ id: adminKey.id })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      expect((await trpc(admin.caller).apiKeys.revoke({ id: memberKey.id })).revokedAt).not.toBeNull();

      await expect(trpc(member.caller).orgs.addMember({ email: owner.email, role: "member" })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(trpc(admin.caller).orgs.setRole({ userId: member.caller.userId, role: "owner" })).rejects.toThrow(
        /needs the owner role/,
      );
      await trpc(admin.caller).orgs.setRole({ userId: member.caller.userId, role: "admin" });
      await expect(trpc(owner.caller).orgs.removeMember({ userId: owner.caller.userId })).rejects.toThrow(
        /keeps at least one owner/,
      );
      await trpc(admin.caller).orgs.removeMember({ userId: member.caller.userId });
      expect((await trpc(owner.caller).orgs.members()).map((m) => m.userId)).toEqual([
        owner.caller.userId,
        admin.caller.userId,
      ]);
      // A removed member's token no longer authenticates in that organization.
      expect(await cp.services.auth.authenticate(member.token)).toBeNull();
      const mine = await trpc(admin.caller).orgs.mine();
      expect(mine.map((o) => [o.role, o.current])).toEqual([
        ["owner", false],
        ["admin", true],
      ]);
    });
  });

  describe("projects and jobs over REST (app.request)", () => {
    it("creates, lists and reads projects; bad input is a 400 that stores nothing", async () => {
      const { session, caller } = await signup("Gus");
      const project = await createProject(session.accessToken, "Image classification");
      expect(project.organization_id).toBe(caller.organizationId);
      const bad = await request("/api/projects", {
        method: "POST",
        token: session.accessToken,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "", description: 3 }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/name: name is required/);
      const list = (await (await request("/api/projects", { token: session.accessToken })).json()) as {
        projects: { id: string }[];
      };
      expect(list.projects.map((p) => p.id)).toEqual([project.id]);
      const got = await request(`/api/projects/${project.id}`, { token: session.accessToken });
      expect(await got.json()).toMatchObject({ id: project.id, name: "Image classification", models: 0, jobs: 0 });
      expect((await request("/api/projects/not-a-uuid", { token: session.accessToken })).status).toBe(404);
    });

    it("submits a job: model stored with its checksum, workflow optimizeModel started on the optimize queue", async () => {
      const { session, caller } = await signup("Hal");
      const project = await createProject(session.accessToken);
      const res = await request(`/api/projects/${project.id}/optimize`, {
        method: "POST",
        token: session.accessToken,
        body: optimizeForm(new Blob([kws]), "kws_ref_model.tflite"),
      });
      const body = (await res.json()) as {
        job_id: string;
        status: string;
        workflow_id: string;
        spec: Record<string, unknown>;
        model: { sha256: string; size_bytes: number; format: string; id: string };
      };
      expect(res.status).toBe(202);
      expect(body).toMatchObject({ status: "queued", workflow_id: `optimize-${body.job_id}` });
      expect(body.spec).toEqual({
        hardwareTarget: "cortex-m4",
        modelFramework: "tflite",
        targetSizeBytes: 100_000,
        targetAccuracyThreshold: 0.9,
        enableQuantization: true,
        enablePruning: true,
        quantizationType: "int8",
        pruningSparsity: 0.5,
        enableNas: false,
      });
      expect(body.model).toMatchObject({ format: "tflite", size_bytes: kws.length });
      const { createHash } = await import("node:crypto");
      expect(body.model.sha256).toBe(createHash("sha256").update(kws).digest("hex"));
      expect(await blobsOf(caller.organizationId)).toHaveLength(1);

      const description = await temporal.workflow.getHandle(body.workflow_id).describe();
      expect(description.type).toBe("optimizeModel");
      expect(description.taskQueue).toBe("optimize");
      expect(description.status.name).toBe("RUNNING");
      expect(description.priority?.priorityKey).toBe(3); // Free: served after Pro and Enterprise
      expect(await description.memo).toEqual({ organizationId: caller.organizationId, tier: "free" });

      const status = await request(`/api/jobs/${body.job_id}`, { token: session.accessToken });
      expect(await status.json()).toMatchObject({ id: body.job_id, status: "queued", stage: "submitted", progress: 0 });

      // tRPC: optimize the stored model again for another target, without uploading it again.
      const again = await trpc(caller).jobs.submit({
        projectId: project.id,
        modelId: body.model.id,
        spec: { hardwareTarget: "riscv", modelFramework: "tflite" },
      });
      expect(again).toMatchObject({ hardware_target: "riscv", model_id: body.model.id });
      expect((await trpc(caller).subscription.get()).usage.optimizations).toBe(2);
      await expect(
        trpc(caller).jobs.submit({
          projectId: project.id,
          modelId: body.model.id,
          spec: { hardwareTarget: "riscv", modelFramework: "onnx" },
        }),
      ).rejects.toThrow(/model_framework "onnx" takes ONNX model/);
    });

    it("follows a job's progress through the tRPC subscription until it ends (createCaller and SSE)", async () => {
      const { session, caller } = await signup("Hope");
      const project = await createProject(session.accessToken);
      const res = await request(`/api/projects/${project.id}/optimize`, {
        method: "POST",
        token: session.accessToken,
        body: optimizeForm(new Blob([kws]), "kws.tflite"),
      });
      const { id } = (await res.json()) as { id: string };
      const events = (await trpc(caller).jobs.progress({ id, intervalMs: 100 }))[Symbol.asyncIterator]();
      const next = async () => {
        const r = await events.next();
        return r.done ? "end" : `${r.value.status}/${r.value.stage}/${r.value.progress}`;
      };
      const recorder = cp.services.jobRecorder;
      expect(await next()).toBe("queued/submitted/0");
      await recorder.recordProgress(id, { stage: "quantize", progress: 0.4 });
      expect(await next()).toBe("running/quantize/0.4");

      // Over HTTP the same subscription is a stream of server-sent events.
      const sse = await request(
        `/trpc/jobs.progress?input=${encodeURIComponent(JSON.stringify({ id, intervalMs: 100 }))}`,
        {
          token: session.accessToken,
        },
      );
      expect(sse.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const reader = (sse.body as ReadableStream<Uint8Array>).getReader();
      let text = "";
      while (!text.includes('"stage":"quantize"')) text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();

      await recorder.recordResult(id, { metrics: { accuracy: { value: 0.9, source: "emulated" } } });
      expect(await next()).toBe("completed/done/1");
      expect(await next()).toBe("end");
      // A retried activity cannot move an ended job again.
      expect(await recorder.recordProgress(id, { stage: "benchmark", progress: 0.9 })).toBe(false);
      expect(await recorder.recordFailure(id, "late failure")).toBe(false);
      expect(await trpc(caller).jobs.get({ id })).toMatchObject({ status: "completed", stage: "done", error: null });
    });

    it("shows a failed job's reason, and its results answer 409", async () => {
      const { session, caller } = await signup("Ike");
      const project = await createProject(session.accessToken);
      const res = await request(`/api/projects/${project.id}/optimize`, {
        method: "POST",
        token: session.accessToken,
        body: optimizeForm(new Blob([kws]), "kws.tflite"),
      });
      const { id } = (await res.json()) as { id: string };
      await cp.services.jobRecorder.recordProgress(id, { stage: "compile", progress: 0.7 });
      await cp.services.jobRecorder.recordFailure(id, "the model needs 300 KB of RAM; cortex-m4 has 256 KB");
      expect(await trpc(caller).jobs.get({ id })).toMatchObject({
        status: "failed",
        stage: "compile",
        error: "the model needs 300 KB of RAM; cortex-m4 has 256 KB",
      });
      const results = await request(`/api/jobs/${id}/results`, { token: session.accessToken });
      expect(results.status).toBe(409);
      expect(((await results.json()) as { error: { message: string } }).error.message).toBe(
        `job ${id} is failed (stage compile): results exist once it has completed`,
      );
    });

    it("refuses an unknown target, a NAS request on Free and a framework mismatch with 400/403, storing nothing", async () => {
      const { session, caller } = await signup("Ida");
      const project = await createProject(session.accessToken);
      const cases: [Record<string, string>, number, RegExp][] = [
        [{ hardware_target: "avr" }, 400, /hardwareTarget: Invalid option: expected one of "cortex-m4"\|/],
        [{ pruning_sparsity: "lots" }, 400, /pruningSparsity/],
        [
          { hardware_target: "riscv", target_size_kb: "600" },
          400,
          /target_size_kb 600 \(600000 bytes\) is more than the flash of RISC-V \(524288 bytes, 524\.3 KB\)/,
        ],
        [{ enable_nas: "true" }, 403, /needs the Pro or Enterprise tier/],
        [
          { model_framework: "onnx" },
          400,
          /is a TensorFlow Lite model \(\.tflite flatbuffer\), but model_framework "onnx" takes ONNX model/,
        ],
      ];
      for (const [fields, status, message] of cases) {
        const res = await request(`/api/projects/${project.id}/optimize`, {
          method: "POST",
          token: session.accessToken,
          body: optimizeForm(new Blob([kws]), "kws.tflite", fields),
        });
        expect(res.status).toBe(status);
        expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
      }
      expect(await blobsOf(caller.organizationId)).toEqual([]);
      expect((await trpc(caller).subscription.get()).usage.optimizations).toBe(0);
      expect(await trpc(caller).jobs.list({ projectId: project.id })).toEqual([]);
    });

    it("an 11 MB upload on Free is refused with 413 while streaming, and nothing is stored", async () => {
      const { session, caller } = await signup("Jo");
      const project = await createProject(session.accessToken);
      const eleven = new Uint8Array(11_000_000);
      eleven.set(kws); // a real TFLite head, so only the size is wrong
      const res = await request(`/api/projects/${project.id}/optimize`, {
        method: "POST",
        token: session.accessToken,
        body: optimizeForm(new Blob([eleven]), "big.tflite"),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        error: {
          code: "PAYLOAD_TOO_LARGE",
          message:
            'model_file "big.tflite" is larger than the Free tier allows (10 MB): send a smaller file or upgrade the subscription',
        },
      });
      expect(await blobsOf(caller.organizationId)).toEqual([]);
      expect(await cp.blobStore.list("")).not.toContainEqual(expect.stringContaining(caller.organizationId));
      expect((await trpc(caller).subscription.get()).usage.optimizations).toBe(0);
      expect((await trpc(caller).projects.get({ id: project.id })).models).toBe(0);
    });

    it("a text file named model.onnx is refused with 400 saying it is not an ONNX model", async () => {
      const { session, caller } = await signup("Kim");
      const project = await createProject(session.accessToken);
      const res = await request(`/api/projects/${project.id}/optimize`, {
        method: "POST",
        token: session.accessToken,
        body: optimizeForm(new Blob(["this is a text file, not a network\n".repeat(20)]), "model.onnx", {
          model_framework: "onnx",
        }),
      });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("UNSUPPORTED_MODEL");
      expect(error.message).toMatch(/^model_file "model\.onnx" is not an ONNX model: /);
      expect(await blobsOf(caller.organizationId)).toEqual([]);
      expect((await trpc(caller).subscription.get()).usage.optimizations).toBe(0);
    });

    it("stores an optional .npz dataset with the job and refuses a dataset that is not one", async () => {
      const { session, caller } = await signup("Lou");
      const project = await createProject(session.accessToken);
      const npz = await readFile(join(FIXTURES, "onnx/mnist-2018-opset1/test_data_0.npz"));
      const mnist = await readFile(join(FIXTURES, "onnx/mnist-2018-opset1/model.onnx"));
      const form = optimizeForm(new Blob([mnist]), "model.onnx", { model_framework: "onnx" });
      form.set("dataset_file", new Blob([npz]), "test_data_0.npz");
      const res = await request(`/api/projects/${project.id}/optimize`, {
        method: "POST",
        token: session.accessToken,
        body: form,
      });
      expect(res.status).toBe(202);
      const job = (await res.json()) as { id: string; model: { format: string } };
      expect(job.model.format).toBe("onnx");
      const em = cp.orm.em.fork();
      const [row] = await em
        .getConnection()
        .execute("select dataset_bytes, dataset_blob_key from jobs where id = ?", [job.id]);
      expect(Number(row?.dataset_bytes)).toBe(npz.length);
      expect(await cp.blobStore.stat(String(row?.dataset_blob_key))).toEqual({ bytes: npz.length });

      const badForm = optimizeForm(new Blob([mnist]), "model.onnx", { model_framework: "onnx" });
      badForm.set("dataset_file", new Blob(["a,b\n1,2\n"]), "data.csv");
      const bad = await request(`/api/projects/${project.id}/optimize`, {
        method: "POST",
        token: session.accessToken,
        body: badForm,
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
        /is not a NumPy \.npz archive/,
      );
      expect(await blobsOf(caller.organizationId)).toHaveLength(2); // the first job's model and dataset only
      expect((await trpc(caller).subscription.get()).usage.optimizations).toBe(1);
    });
  });

  describe("tiers and quotas", () => {
    it("20 concurrent submissions for a Free organization: exactly 5 accepted, 15 refused, usage = 5", async () => {
      const { session, caller } = await signup("Max");
      const project = await createProject(session.accessToken);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          request(`/api/projects/${project.id}/optimize`, {
            method: "POST",
            token: session.accessToken,
            body: optimizeForm(new Blob([kws]), "kws.tflite"),
          }),
        ),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      const refused = answers.filter((r) => r.status === 429);
      for (const r of refused) {
        const { error } = (await r.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe("QUOTA_EXCEEDED");
        expect(error.message).toMatch(/monthly quota used up: the Free tier allows 5 optimizations a month/);
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      const subscription = await trpc(caller).subscription.get();
      expect(subscription.usage).toMatchObject({ optimizations: 5, remaining: 0 });
      expect(await trpc(caller).jobs.list({ projectId: project.id })).toHaveLength(5);
      // Refused submissions left no blobs behind: one model per accepted job.
      expect(await blobsOf(caller.organizationId)).toHaveLength(5);
      const metrics = await (await cp.app.request("/metrics")).text();
      expect(metrics).toMatch(/tinyml_quota_rejections_total\{tier="free"\} ([1-9]\d*)/);
    });

    it("when Temporal is unreachable: 503 with a clear message, no job, no quota taken, nothing stored", async () => {
      const { session, caller } = await signup("Ned");
      const project = await createProject(session.accessToken);
      const offline = await createControlPlane(
        configFor({ TEMPORAL_ADDRESS: "127.0.0.1:1", TEMPORAL_TIMEOUT_MS: "2000" }),
      );
      try {
        const res = await offline.app.request(`/api/projects/${project.id}/optimize`, {
          method: "POST",
          headers: { authorization: `Bearer ${session.accessToken}` },
          body: optimizeForm(new Blob([kws]), "kws.tflite"),
        });
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("30");
        const { error } = (await res.json()) as { error: { code: string; message: string } };
        expect(error.code).toBe("UNAVAILABLE");
        expect(error.message).toMatch(
          /^the job was not started: the orchestrator \(Temporal at 127\.0\.0\.1:1\) is unreachable: .*Nothing was stored and no quota was used; retry later$/,
        );
      } finally {
        await offline.close();
      }
      expect(await trpc(caller).jobs.list({ projectId: project.id })).toEqual([]);
      expect((await trpc(caller).subscription.get()).usage.optimizations).toBe(0);
      expect((await trpc(caller).projects.get({ id: project.id })).models).toBe(0);
      expect(await blobsOf(caller.organizationId)).toEqual([]);
    });

    it("upgrades: admins change the tier with an audit event; Enterprise only by an operator", async () => {
      const owner = await signup("Oz");
      const member = await memberOf(owner.caller, "member", "Pat");
      const operatorUser = await signup("Operator", "operator@tinyml.test");
      await trpc(owner.caller).orgs.addMember({ email: operatorUser.email, role: "admin" });
      const operator = await cp.services.auth.authenticate(
        (
          await trpc().auth.login({
            email: operatorUser.email,
            password: operatorUser.password,
            organizationId: owner.caller.organizationId,
          })
        ).accessToken,
      );

      await expect(trpc(member.caller).subscription.upgrade({ tier: "pro" })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(trpc(owner.caller).subscription.upgrade({ tier: "enterprise" })).rejects.toThrow(
        /set by an operator/,
      );
      expect((await trpc(owner.caller).subscription.upgrade({ tier: "pro" })).limits).toMatchObject({
        monthlyOptimizations: 200,
        nas: true,
      });
      expect(operator?.isOperator).toBe(true);
      expect((await trpc(operator).subscription.upgrade({ tier: "enterprise" })).usage.remaining).toBeNull();
      const em = cp.orm.em.fork();
      const events = await em
        .getConnection()
        .execute("select details from audit_events where organization_id = ? and action = ? order by created_at", [
          owner.caller.organizationId,
          "subscription.change",
        ]);
      const details = events.map((e: { details: unknown }) =>
        typeof e.details === "string" ? JSON.parse(e.details) : e.details,
      );
      expect(details).toEqual([
        { from: "free", to: "pro" },
        { from: "pro", to: "enterprise" },
      ]);
    });
  });

  describe("authorization matrix", () => {
    type Who = "anonymous" | "outsider" | "member" | "admin";
    const WHO: Who[] = ["anonymous", "outsider", "member", "admin"];
    const tokens: Record<Who, string | undefined> = { anonymous: undefined, outsider: "", member: "", admin: "" };
    let projectId: string;
    let jobId: string;
    let doneJobId: string;
    let ownerCaller: Caller;

    beforeAll(async () => {
      const owner = await signup("Quinn");
      ownerCaller = owner.caller;
      await trpc(owner.caller).subscription.upgrade({ tier: "basic" });
      const member = await memberOf(owner.caller, "member", "Rae");
      const admin = await memberOf(owner.caller, "admin", "Sam");
      // The outsider is a plain member of another organization.
      const otherOwner = await signup("Vic");
      const outsider = await memberOf(otherOwner.caller, "member", "Tom");
      tokens.member = member.token;
      tokens.admin = (await trpc(admin.caller).apiKeys.create({ name: "admin ci" })).key; // API key path
      tokens.outsider = (await trpc(outsider.caller).apiKeys.create({ name: "outsider" })).key;
      projectId = (await createProject(owner.session.accessToken)).id;
      const submit = async () => {
        const res = await request(`/api/projects/${projectId}/optimize`, {
          method: "POST",
          token: owner.session.accessToken,
          body: optimizeForm(new Blob([kws]), "kws.tflite"),
        });
        return ((await res.json()) as { id: string }).id;
      };
      jobId = await submit();
      doneJobId = await submit();
      // Finish one job the way the control-plane activities will: artifact in the blob store, then the result.
      const artifactKey = `orgs/${owner.caller.organizationId}/artifacts/${doneJobId}/model_int8.tflite`;
      await cp.blobStore.put(artifactKey, Readable.from([kws]));
      await cp.services.jobRecorder.recordResult(doneJobId, {
        metrics: { flashBytes: { value: 53936, source: "emulated" } },
        artifact: { blobKey: artifactKey, fileName: "model_int8.tflite" },
      });
    });

    const json = (body: unknown): RequestInit => ({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const routes: [name: string, init: () => [string, RequestInit], expected: Record<Who, number>][] = [
      ["GET /", () => ["/", {}], { anonymous: 200, outsider: 200, member: 200, admin: 200 }],
      ["GET /health", () => ["/health", {}], { anonymous: 200, outsider: 200, member: 200, admin: 200 }],
      ["GET /api/docs", () => ["/api/docs", {}], { anonymous: 200, outsider: 200, member: 200, admin: 200 }],
      [
        "GET /api/docs/openapi.json",
        () => ["/api/docs/openapi.json", {}],
        { anonymous: 200, outsider: 200, member: 200, admin: 200 },
      ],
      [
        "GET /api/hardware-targets",
        () => ["/api/hardware-targets", {}],
        { anonymous: 200, outsider: 200, member: 200, admin: 200 },
      ],
      [
        "GET /api/model-frameworks",
        () => ["/api/model-frameworks", {}],
        { anonymous: 200, outsider: 200, member: 200, admin: 200 },
      ],
      ["GET /api/tiers", () => ["/api/tiers", {}], { anonymous: 200, outsider: 200, member: 200, admin: 200 }],
      [
        "POST /api/projects",
        () => ["/api/projects", json({ name: "matrix" })],
        { anonymous: 401, outsider: 201, member: 201, admin: 201 },
      ],
      ["GET /api/projects", () => ["/api/projects", {}], { anonymous: 401, outsider: 200, member: 200, admin: 200 }],
      [
        "GET /api/projects/{id}",
        () => [`/api/projects/${projectId}`, {}],
        { anonymous: 401, outsider: 404, member: 200, admin: 200 },
      ],
      [
        "GET /api/projects/{id}/jobs",
        () => [`/api/projects/${projectId}/jobs`, {}],
        { anonymous: 401, outsider: 404, member: 200, admin: 200 },
      ],
      [
        "POST /api/projects/{id}/optimize",
        () => [
          `/api/projects/${projectId}/optimize`,
          { method: "POST", body: optimizeForm(new Blob([kws]), "kws.tflite") },
        ],
        { anonymous: 401, outsider: 404, member: 202, admin: 202 },
      ],
      [
        "GET /api/jobs/{id}",
        () => [`/api/jobs/${jobId}`, {}],
        { anonymous: 401, outsider: 404, member: 200, admin: 200 },
      ],
      [
        "GET /api/jobs/{id}/results (running)",
        () => [`/api/jobs/${jobId}/results`, {}],
        { anonymous: 401, outsider: 404, member: 409, admin: 409 },
      ],
      [
        "GET /api/jobs/{id}/results (done)",
        () => [`/api/jobs/${doneJobId}/results`, {}],
        { anonymous: 401, outsider: 404, member: 200, admin: 200 },
      ],
      [
        "GET /api/jobs/{id}/download (running)",
        () => [`/api/jobs/${jobId}/download`, {}],
        { anonymous: 401, outsider: 404, member: 409, admin: 409 },
      ],
      [
        "GET /api/jobs/{id}/download (done)",
        () => [`/api/jobs/${doneJobId}/download`, {}],
        { anonymous: 401, outsider: 404, member: 200, admin: 200 },
      ],
      [
        "GET /api/subscription",
        () => ["/api/subscription", {}],
        { anonymous: 401, outsider: 200, member: 200, admin: 200 },
      ],
      [
        "POST /api/subscription/upgrade",
        () => ["/api/subscription/upgrade", json({ tier: "basic" })],
        { anonymous: 401, outsider: 403, member: 403, admin: 200 },
      ],
      ["GET /api/stats", () => ["/api/stats", {}], { anonymous: 401, outsider: 200, member: 200, admin: 200 }],
      [
        "GET /trpc/projects.get",
        () => [`/trpc/projects.get?input=${encodeURIComponent(JSON.stringify({ id: projectId }))}`, {}],
        { anonymous: 401, outsider: 404, member: 200, admin: 200 },
      ],
      [
        "GET /trpc/jobs.get",
        () => [`/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ id: jobId }))}`, {}],
        { anonymous: 401, outsider: 404, member: 200, admin: 200 },
      ],
      [
        "POST /trpc/orgs.addMember",
        () => ["/trpc/orgs.addMember", json({ email: "nobody@tinyml.test", role: "member" })],
        { anonymous: 401, outsider: 403, member: 403, admin: 404 },
      ],
      [
        "GET /api/farm/boards",
        () => ["/api/farm/boards", {}],
        { anonymous: 401, outsider: 200, member: 200, admin: 200 },
      ],
      [
        "GET /trpc/farm.boards",
        () => ["/trpc/farm.boards", {}],
        { anonymous: 401, outsider: 200, member: 200, admin: 200 },
      ],
      [
        "POST /api/jobs/{id}/cancel (done)",
        () => [`/api/jobs/${doneJobId}/cancel`, { method: "POST" }],
        { anonymous: 401, outsider: 404, member: 409, admin: 409 },
      ],
      // Last: the member cancels the running job, then the admin finds it already cancelled.
      [
        "POST /api/jobs/{id}/cancel (running)",
        () => [`/api/jobs/${jobId}/cancel`, { method: "POST" }],
        { anonymous: 401, outsider: 404, member: 200, admin: 409 },
      ],
    ];

    it.each(routes)("%s", async (_name, init, expected) => {
      const seen: Record<string, number> = {};
      for (const who of WHO) {
        const [path, requestInit] = init();
        const res = await request(path, { ...requestInit, token: tokens[who] });
        seen[who] = res.status;
      }
      expect(seen).toEqual(expected);
    });

    it("every tRPC procedure outside auth.* and the catalogs answers 401 to an anonymous caller over HTTP", async () => {
      const PUBLIC = /^(auth\.|targets\.|frameworks\.|tiers\.)/;
      const procedures = Object.entries(
        appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
      );
      expect(procedures.length).toBeGreaterThan(25);
      const seen: Record<string, number> = {};
      for (const [path, procedure] of procedures) {
        const res =
          procedure._def.type !== "mutation"
            ? await request(`/trpc/${path}?input=${encodeURIComponent("{}")}`)
            : await request(`/trpc/${path}`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: "{}",
              });
        seen[path] = res.status;
        if (procedure._def.type === "subscription") {
          // Subscriptions answer as an event stream (200) whose first event is the error.
          const reader = (res.body as ReadableStream<Uint8Array>).getReader();
          let text = "";
          while (!text.includes("UNAUTHORIZED") && text.length < 10_000) {
            const chunk = await reader.read();
            if (chunk.done) break;
            text += new TextDecoder().decode(chunk.value);
          }
          await reader.cancel();
          if (text.includes('"code":"UNAUTHORIZED"') || text.includes('"UNAUTHORIZED"')) seen[path] = 401;
        }
      }
      for (const [path, status] of Object.entries(seen)) {
        if (PUBLIC.test(path)) expect([200, 400], path).toContain(status);
        else expect(status, path).toBe(401);
      }
    });

    it("returns a finished job's results and its optimized model to members only", async () => {
      const results = await request(`/api/jobs/${doneJobId}/results`, { token: tokens.member });
      expect(await results.json()).toMatchObject({ metrics: { flashBytes: { value: 53936, source: "emulated" } } });
      const download = await request(`/api/jobs/${doneJobId}/download`, { token: tokens.member });
      expect(download.headers.get("content-disposition")).toBe('attachment; filename="model_int8.tflite"');
      expect(Buffer.from(await download.arrayBuffer()).equals(kws)).toBe(true);
    });

    it("no cross-tenant read or write: the outsider sees only its own organization", async () => {
      const projects = (await (await request("/api/projects", { token: tokens.outsider })).json()) as {
        projects: { id: string; organization_id: string }[];
      };
      expect(projects.projects.map((p) => p.id)).not.toContain(projectId);
      expect(projects.projects.every((p) => p.organization_id !== ownerCaller.organizationId)).toBe(true);
      const subscription = (await (await request("/api/subscription", { token: tokens.outsider })).json()) as {
        organization_id: string;
      };
      expect(subscription.organization_id).not.toBe(ownerCaller.organizationId);
      const stats = (await (await request("/api/stats", { token: tokens.outsider })).json()) as {
        organization_id: string;
      };
      expect(stats.organization_id).not.toBe(ownerCaller.organizationId);
      // The owner's organization still has exactly the jobs its own members submitted.
      const jobs = await trpc(ownerCaller).jobs.list({ projectId });
      expect(jobs.length).toBe(4); // two set-up jobs + the member's and the admin's optimize
      const keys = await trpc(ownerCaller).apiKeys.list();
      expect(keys.map((k) => k.name)).toEqual(["admin ci"]);
    });
  });

  describe("metrics and rate limiting", () => {
    it("/metrics exposes request, job, quota and upload counters in Prometheus format", async () => {
      const text = await (await cp.app.request("/metrics")).text();
      expect(text).toMatch(
        /http_requests_total\{method="POST",route="\/api\/projects\/:id\/optimize",status="202"\} \d+/,
      );
      expect(text).toMatch(
        /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/projects",status="200"\}/,
      );
      expect(text).toMatch(/tinyml_jobs_submitted_total\{tier="free",target="cortex-m4"\} \d+/);
      expect(text).toMatch(/tinyml_upload_bytes_total\{kind="model"\} \d+/);
      expect(text).toContain("# TYPE tinyml_quota_rejections_total counter");
    });

    it("answers 429 with Retry-After past the per-credential limit", async () => {
      const limited = await createControlPlane(configFor({ RATE_LIMIT_PER_MINUTE: "3" }));
      try {
        const { session } = await signup("Uma");
        const statuses: number[] = [];
        let last: Response | undefined;
        for (let i = 0; i < 5; i++) {
          last = await limited.app.request("/api/projects", {
            headers: { authorization: `Bearer ${session.accessToken}` },
          });
          statuses.push(last.status);
        }
        expect(statuses).toEqual([200, 200, 200, 429, 429]);
        expect(Number(last?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(((await last?.json()) as { error: { message: string } }).error.message).toMatch(
          /^rate limit: more than 3 requests in 60 s for this credential; retry in \d+ s$/,
        );
      } finally {
        await limited.close();
      }
    });
  });
});
