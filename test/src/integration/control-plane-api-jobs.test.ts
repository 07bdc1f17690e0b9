import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { createControlPlane } from "@tinyml/control-plane";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASES, env, FIXTURES, useControlPlaneApi } from "./support/control-plane-api.js";

/**
 * Projects and jobs over REST on both databases, then the metrics their requests left and the rate limit.
 * Jobs start on the real Temporal dev server; the metrics suite reads the counters the jobs suite moved, so the
 * two share one control plane.
 */
let temporal: Client;
let temporalConnection: Connection;
beforeAll(async () => {
  temporalConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
  temporal = new Client({ connection: temporalConnection });
});
afterAll(() => temporalConnection?.close());

describe.each(DATABASES)("control plane on $name", (db) => {
  const { api, trpc, signup, request, optimizeForm, createProject, blobsOf, configFor } = useControlPlaneApi(db);

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
        body: optimizeForm(new Blob([api.kws]), "kws_ref_model.tflite"),
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
      expect(body.model).toMatchObject({ format: "tflite", size_bytes: api.kws.length });
      const { createHash } = await import("node:crypto");
      expect(body.model.sha256).toBe(createHash("sha256").update(api.kws).digest("hex"));
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
        body: optimizeForm(new Blob([api.kws]), "kws.tflite"),
      });
      const { id } = (await res.json()) as { id: string };
      const events = (await trpc(caller).jobs.progress({ id, intervalMs: 100 }))[Symbol.asyncIterator]();
      const next = async () => {
        const r = await events.next();
        return r.done ? "end" : `${r.value.status}/${r.value.stage}/${r.value.progress}`;
      };
      const recorder = api.cp.services.jobRecorder;
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
        body: optimizeForm(new Blob([api.kws]), "kws.tflite"),
      });
      const { id } = (await res.json()) as { id: string };
      await api.cp.services.jobRecorder.recordProgress(id, { stage: "compile", progress: 0.7 });
      await api.cp.services.jobRecorder.recordFailure(id, "the model needs 300 KB of RAM; cortex-m4 has 256 KB");
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
          body: optimizeForm(new Blob([api.kws]), "kws.tflite", fields),
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
      eleven.set(api.kws); // a real TFLite head, so only the size is wrong
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
      expect(await api.cp.blobStore.list("")).not.toContainEqual(expect.stringContaining(caller.organizationId));
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
      const em = api.cp.orm.em.fork();
      const [row] = await em
        .getConnection()
        .execute("select dataset_bytes, dataset_blob_key from jobs where id = ?", [job.id]);
      expect(Number(row?.dataset_bytes)).toBe(npz.length);
      expect(await api.cp.blobStore.stat(String(row?.dataset_blob_key))).toEqual({ bytes: npz.length });

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

  describe("metrics and rate limiting", () => {
    it("the metrics registry (served apart, on METRICS_PORT) has request, job, quota and upload counters", async () => {
      const text = await api.cp.metrics.registry.metrics();
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
