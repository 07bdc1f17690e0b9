import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { networkInterfaces, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import {
  descriptorsOf,
  eventually,
  newAccount,
  openFiles,
  partialUpload,
  pendingMultipartUploads,
  type RunningControlPlane,
  residentMegabytes,
  STACKS,
  startControlPlaneProcess,
} from "./support/control-plane-process.js";

/**
 * Abuse of the control plane's HTTP edge (issue 11, items 2, 8 and 10), replayed against the control plane
 * running as its own process, on PostgreSQL with S3 and on SQLite with the local store: uploads cut off or stalled
 * mid-body, malformed multipart forms, and the defaults of every answer (security headers, the metrics listener,
 * request metrics by tRPC procedure, `jobs.progress` refused before its stream).
 */

const env = inject("stackEnv");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures"));
const KWS_TFLITE = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model.tflite");
const IDLE_TIMEOUT_MS = 2000;

let temporalConnection: Connection;
let temporal: Client;
let kws: Buffer;
beforeAll(async () => {
  temporalConnection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
  temporal = new Client({ connection: temporalConnection });
  kws = await readFile(KWS_TFLITE);
});
afterAll(() => temporalConnection?.close());

type Account = Awaited<ReturnType<typeof newAccount>>;

const optimizeForm = (fileName: string, fields: [string, string][] = []) => {
  const form = new FormData();
  form.set("model_file", new Blob([kws]), fileName);
  form.set("hardware_target", "cortex-m4");
  form.set("model_framework", "tflite");
  for (const [name, value] of fields) form.append(name, value);
  return form;
};

describe.each(STACKS)("the HTTP edge of the control plane process on $name", (stack) => {
  let dir: string;
  let cp: RunningControlPlane;
  const blobDir = () => join(dir, "blobs");

  const optimize = (account: Account, body: FormData | string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${cp.url}/api/projects/${account.projectId}/optimize`, {
      method: "POST",
      headers: { authorization: `Bearer ${account.token}`, ...headers },
      body,
    });
  const errorOf = async (res: Response) => ({
    status: res.status,
    ...((await res.json()) as { error: { code: string; message: string } }).error,
  });
  /** Nothing kept and nothing charged: no model, no job, no optimization counted. */
  const expectNothingStored = async (account: Account) => {
    const headers = { authorization: `Bearer ${account.token}` };
    const project = await (await fetch(`${cp.url}/api/projects/${account.projectId}`, { headers })).json();
    expect(project).toMatchObject({ models: 0, jobs: 0 });
    const subscription = await (await fetch(`${cp.url}/api/subscription`, { headers })).json();
    expect(subscription).toMatchObject({ usage: { optimizations: 0 } });
  };
  /** The uploads still being written: files in the local store's `.incoming`, or S3 multipart uploads. */
  const uploadsInProgress = async (account: Account): Promise<string[]> => {
    if (stack.blobStore === "s3") return pendingMultipartUploads(env, `orgs/${account.organizationId}/`);
    return readdir(join(blobDir(), ".incoming")).catch(() => []);
  };
  /** Descriptors of the process open on files of its blob folder. */
  const openBlobFiles = async () => (await openFiles(cp.pid)).filter((f) => f.startsWith(blobDir()));
  const terminate = (job: { workflow_id: string }) =>
    temporal.workflow.getHandle(job.workflow_id).terminate("abuse-edges test: the job is not run");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "abuse-edges-"));
    cp = await startControlPlaneProcess(
      `control-plane-${stack.blobStore}`,
      {
        DATA_DIR: dir,
        TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS as string,
        UPLOAD_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
        ...(await stack.settings(env, dir)),
      },
      dir,
    );
  });
  afterAll(async () => {
    await cp?.process.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe("item 2: uploads cut off or stalled mid-body", () => {
    it("100 uploads cut off mid-body leave no file, descriptor, multipart upload or memory behind", async () => {
      const account = await newAccount(cp.url, "cut");
      // 6 MB of a declared 9 MB: past the S3 store's first 5 MiB part, so each one starts a multipart upload.
      const upload = {
        url: cp.url,
        path: `/api/projects/${account.projectId}/optimize`,
        token: account.token,
        declared: 9_000_000,
        sent: 6_000_000,
      };
      const cutOff = async (count: number) => {
        for (let i = 0; i < count; i += 10) {
          await Promise.all(Array.from({ length: 10 }, () => partialUpload(upload, "disconnect")));
        }
      };
      const settled = () =>
        eventually(
          async () => (await uploadsInProgress(account)).length === 0 && (await openBlobFiles()).length === 0,
          30_000,
        );
      // The first 100 bring the fresh process to its working size under this load (V8's heap, the allocator's
      // arenas, the database pool): the baseline is taken after them, so that what the next 100 add is what they
      // leave behind, not the allocator's high-water mark.
      const fresh = await residentMegabytes(cp);
      await cutOff(100);
      expect(await settled()).toBe(true);
      const port = Number(new URL(cp.url).port);
      const baseline = { rss: await residentMegabytes(cp), fds: await descriptorsOf(cp.pid, port) };

      await cutOff(100);
      expect(await settled()).toBe(true);
      expect(await uploadsInProgress(account)).toEqual([]);
      expect(await openBlobFiles()).toEqual([]);
      // Every cut-off connection closed, no file or pipe left open (the pools to PostgreSQL and S3 are theirs).
      const closed = async () => {
        const now = await descriptorsOf(cp.pid, port);
        return now.inbound === 0 && now.other <= baseline.fds.other;
      };
      expect(await eventually(closed, 10_000)).toBe(true);
      const returned = await eventually(async () => (await residentMegabytes(cp)) <= baseline.rss * 1.1, 30_000);
      const after = await residentMegabytes(cp);
      console.log(
        `[abuse-edges ${stack.name}] RSS fresh ${fresh.toFixed(0)} MB, after 100 cut-off uploads ${baseline.rss.toFixed(0)} MB, after 100 more ${after.toFixed(0)} MB; descriptors ${JSON.stringify(baseline.fds)} → ${JSON.stringify(await descriptorsOf(cp.pid, port))}`,
      );
      expect(returned).toBe(true);
      await expectNothingStored(account);
    }, 300_000);

    it("an upload that stalls mid-body is answered 400 once no byte came for UPLOAD_IDLE_TIMEOUT_MS, leaving nothing", async () => {
      const account = await newAccount(cp.url, "stall");
      const started = Date.now();
      const answer = await partialUpload(
        {
          url: cp.url,
          path: `/api/projects/${account.projectId}/optimize`,
          token: account.token,
          declared: 3_000_000,
          sent: 1_000_000,
        },
        "stall",
        20_000,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/connection: close/i);
      expect(answer).toContain('"message":"the upload stalled: no data arrived for 2 s');
      expect(Date.now() - started).toBeLessThan(IDLE_TIMEOUT_MS + 5000);
      expect(await eventually(async () => (await uploadsInProgress(account)).length === 0, 10_000)).toBe(true);
      expect(await openBlobFiles()).toEqual([]);
      await expectNothingStored(account);
    }, 60_000);
  });

  describe("item 8: malformed uploads are 400s that change nothing", () => {
    it("a file name over 255 characters is a 400, not a 500", async () => {
      const account = await newAccount(cp.url, "long");
      const name = `${"m".repeat(300)}.tflite`;
      expect(await errorOf(await optimize(account, optimizeForm(name)))).toEqual({
        status: 400,
        code: "BAD_REQUEST",
        message: "the file name of model_file is 307 characters long: rename the file to at most 255",
      });
      await expectNothingStored(account);
    });

    it("multipart/form-data without a boundary is a 400", async () => {
      const account = await newAccount(cp.url, "boundary");
      const res = await optimize(account, "--x\r\n", { "content-type": "multipart/form-data" });
      expect(await errorOf(res)).toMatchObject({
        status: 400,
        code: "BAD_REQUEST",
        message: expect.stringMatching(/boundary/),
      });
      await expectNothingStored(account);
    });

    it("an unknown field is refused by name, and a form of more than 40 fields is refused, not cut", async () => {
      const account = await newAccount(cp.url, "fields");
      const junk = Array.from({ length: 40 }, (_, i): [string, string] => [`junk_${i}`, "x"]);
      const unknown = await errorOf(
        await optimize(account, optimizeForm("kws.tflite", [...junk, ["quantization_type", "fp16"]])),
      );
      expect(unknown).toMatchObject({ status: 400, code: "BAD_REQUEST" });
      expect(unknown.message).toMatch(/^unknown field "junk_0": this form takes hardware_target, model_framework, /);
      // 41 fields the form knows, the last one past the 40 read: refused rather than dropped.
      const many = Array.from({ length: 39 }, (): [string, string] => ["target_size_kb", "100"]);
      const tooMany = await errorOf(
        await optimize(account, optimizeForm("kws.tflite", [...many, ["quantization_type", "fp16"]])),
      );
      expect(tooMany).toEqual({
        status: 400,
        code: "BAD_REQUEST",
        message: "too many fields: this form takes at most 40 text fields",
      });
      await expectNothingStored(account);
    });

    it("non-ASCII file names are kept as sent: UTF-8 and RFC 5987 filename*", async () => {
      const account = await newAccount(cp.url, "utf8");
      const plain = await optimize(account, optimizeForm("модель.tflite"));
      expect(plain.status).toBe(202);
      const plainJob = (await plain.json()) as { workflow_id: string; model: { file_name: string } };
      await terminate(plainJob);
      expect(plainJob.model.file_name).toBe("модель.tflite");

      const boundary = "rfc5987";
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="hardware_target"\r\n\r\ncortex-m4\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="model_framework"\r\n\r\ntflite\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="model_file"; filename="model.tflite"; ` +
            `filename*=UTF-8''${encodeURIComponent("模型 ü.tflite")}\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        kws,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const extended = await optimize(account, body, { "content-type": `multipart/form-data; boundary=${boundary}` });
      expect(extended.status).toBe(202);
      const extendedJob = (await extended.json()) as { workflow_id: string; model: { file_name: string } };
      await terminate(extendedJob);
      expect(extendedJob.model.file_name).toBe("模型 ü.tflite");
    });
  });

  describe("item 10: defaults", () => {
    it("every answer carries nosniff and frame protection; authenticated answers are not stored", async () => {
      const account = await newAccount(cp.url, "headers");
      const answers = [
        await fetch(`${cp.url}/health`),
        await fetch(`${cp.url}/nowhere`),
        await fetch(`${cp.url}/api/projects`, { headers: { authorization: `Bearer ${account.token}` } }),
        await fetch(`${cp.url}/trpc/projects.list`, { headers: { authorization: `Bearer ${account.token}` } }),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 404, 200, 200]);
      for (const answer of answers) {
        expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
        expect(answer.headers.get("x-frame-options")).toBe("DENY");
        expect(answer.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
      }
      expect(answers[2]?.headers.get("cache-control")).toBe("no-store");
      expect(answers[3]?.headers.get("cache-control")).toBe("no-store");
    });

    it("the docs page has a CSP that lets its own style in and nothing else", async () => {
      const page = await fetch(`${cp.url}/api/docs`, { headers: { accept: "text/html" } });
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await page.text();
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] as string;
      const hash = createHash("sha256").update(style).digest("base64");
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp.split(/;\s*/)).toEqual(
        expect.arrayContaining(["default-src 'none'", `style-src 'sha256-${hash}'`, "frame-ancestors 'none'"]),
      );
      expect(html).not.toMatch(/<script|style="/);
    });

    it("/metrics is not served on the API port but on a loopback listener of its own", async () => {
      expect((await fetch(`${cp.url}/metrics`)).status).toBe(404);
      expect(cp.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const scrape = await fetch(cp.metricsUrl);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain("http_requests_total");
      const outside = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
      if (outside) {
        const port = new URL(cp.metricsUrl).port;
        await expect(fetch(`http://${outside}:${port}/metrics`)).rejects.toThrow();
      }
    });

    it("request metrics name each tRPC procedure and keep unknown paths under one label", async () => {
      const account = await newAccount(cp.url, "labels");
      const auth = { authorization: `Bearer ${account.token}` };
      await fetch(`${cp.url}/trpc/projects.list`, { headers: auth });
      await fetch(`${cp.url}/trpc/projects.list,projects.list?batch=1&input=${encodeURIComponent("{}")}`, {
        headers: auth,
      });
      await fetch(`${cp.url}/trpc/projects.list,subscription.get?batch=1&input=${encodeURIComponent("{}")}`, {
        headers: auth,
      });
      await fetch(`${cp.url}/trpc/no.such.procedure`, { headers: auth });
      for (let i = 0; i < 20; i++) await fetch(`${cp.url}/probe-${i}/x${i}`);
      const text = await (await fetch(cp.metricsUrl || `${cp.url}/metrics`)).text();
      const routes = [...new Set([...text.matchAll(/^http_requests_total\{[^}]*route="([^"]*)"/gm)].map((m) => m[1]))];
      const trpcRoutes = routes.filter((r) => r?.startsWith("/trpc"));
      expect(trpcRoutes).toEqual(
        expect.arrayContaining(["/trpc/auth.signup", "/trpc/projects.list", "/trpc/(batch)", "/trpc/(unknown)"]),
      );
      for (const route of trpcRoutes) expect(route).toMatch(/^\/trpc\/([a-zA-Z]+\.[a-zA-Z]+|\(batch\)|\(unknown\))$/);
      expect(text).toMatch(/^http_requests_total\{method="GET",route="\/trpc\/projects\.list",status="200"\} \d+$/m);
      expect(text).toMatch(/^http_requests_total\{method="GET",route="\/trpc\/\(unknown\)",status="404"\} 1$/m);
      // the 20 unknown paths: one label, never the paths themselves
      expect(routes.filter((r) => r?.includes("probe"))).toEqual([]);
      expect(
        Number(/^http_requests_total\{method="GET",route="unmatched",status="404"\} (\d+)$/m.exec(text)?.[1]),
      ).toBeGreaterThanOrEqual(20);
    });

    it("jobs.progress of another organization's job is a 404 before any stream", async () => {
      const owner = await newAccount(cp.url, "owner");
      const submitted = await optimize(owner, optimizeForm("kws.tflite"));
      expect(submitted.status).toBe(202);
      const job = (await submitted.json()) as { id: string; workflow_id: string };
      await terminate(job);
      const progress = (account: Account) =>
        fetch(`${cp.url}/trpc/jobs.progress?input=${encodeURIComponent(JSON.stringify({ id: job.id }))}`, {
          headers: { authorization: `Bearer ${account.token}`, accept: "text/event-stream" },
        });
      const stranger = await progress(await newAccount(cp.url, "stranger"));
      expect(stranger.status).toBe(404);
      expect(stranger.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await stranger.json()).toMatchObject({
        error: { message: `job ${job.id} not found`, data: { appCode: "NOT_FOUND", appStatus: 404 } },
      });
      const own = await progress(owner);
      expect(own.status).toBe(200);
      expect(own.headers.get("content-type")).toMatch(/^text\/event-stream/);
      await own.body?.cancel();
    });
  });
});
