import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import { type ControlPlane, createControlPlane, loadControlPlaneConfig } from "@tinyml/control-plane";
import { createTinymlClient } from "@tinyml/sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { REPO_ROOT } from "../services/launch.js";
import { s3BlobSettings, signUpWithApiKey } from "../services/stack-settings.js";

/**
 * The built `tinyml` bin as a subprocess against a control plane on a real port (SQLite, S3 blobs, Temporal):
 * `--json` output parsed, human output checked for its progress lines and results table, exit codes.
 */

const env = inject("stackEnv");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures"));
const KWS = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model_float32.tflite");
const BIN = join(REPO_ROOT, "sdk/client/dist/cli.js");

let dir: string;
let cp: ControlPlane;
let server: ReturnType<typeof serve>;
let url: string;
let apiKey: string;

/** The CLI's environment: its own config folder, no TINYML_* from the caller. */
const cliEnv = (extra: Record<string, string> = {}) => {
  const { TINYML_URL: _u, TINYML_API_KEY: _k, ...rest } = process.env;
  return { ...rest, XDG_CONFIG_HOME: join(dir, "config"), ...extra };
};

function start(args: string[], extra: Record<string, string> = {}): { output: () => string; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(extra), stdio: ["ignore", "pipe", "pipe"] });
  const run = { stdout: "", stderr: "", code: -1 };
  child.stdout?.on("data", (d: Buffer) => {
    run.stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    run.stderr += d.toString();
  });
  const done = new Promise<Run>((ok) => child.on("close", (code) => ok({ ...run, code: code ?? -1 })));
  return { output: () => run.stdout, done };
}
interface Run {
  stdout: string;
  stderr: string;
  code: number;
}
const tinyml = (args: string[], extra?: Record<string, string>) => start(args, extra).done;
const json = <T>(run: Run): T => JSON.parse(run.stdout) as T;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sdk-cli-"));
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
  apiKey = (await signUpWithApiKey(url, "cli")).apiKey;
});

afterAll(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  await cp?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the tinyml CLI against the running control plane", () => {
  let projectId: string;
  let jobId: string;

  it("login checks the key and stores url and key in a 0600 file under XDG_CONFIG_HOME", async () => {
    const run = await tinyml(["login", "--url", url, "--api-key", apiKey, "--json"]);
    expect(run.code).toBe(0);
    const path = join(dir, "config", "tinyml", "config.json");
    expect(json(run)).toEqual({ url, configPath: path, tier: "free" });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ url, apiKey });
  });

  it("lists the hardware targets", async () => {
    const run = await tinyml(["targets"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^id\s+name\s+clock MHz\s+flash KB\s+RAM KB$/m);
    expect(run.stdout).toMatch(/^cortex-m4\s+ARM Cortex-M4\s+84\s+1048\.6\s+262\.1$/m);
    expect(json<{ id: string }[]>(await tinyml(["targets", "--json"])).map((t) => t.id)).toContain("cortex-m4");
  });

  it("creates and lists projects with the stored settings", async () => {
    const created = await tinyml(["projects", "create", "KWS CLI", "--json"]);
    expect(created.code).toBe(0);
    projectId = json<{ id: string; name: string }>(created).id;
    const listed = await tinyml(["projects", "--json"]);
    expect(json<{ id: string }[]>(listed).map((p) => p.id)).toEqual([projectId]);
    const human = await tinyml(["projects"]);
    expect(human.stdout).toMatch(new RegExp(`^id\\s+name\\s+created\\n-+\\s+-+\\s+-+\\n${projectId}\\s+KWS CLI`, "m"));
  });

  it("optimize --json uploads the model and prints the job; status --json reads it", async () => {
    const run = await tinyml([
      "optimize",
      KWS,
      "--project",
      projectId,
      "--target",
      "cortex-m4",
      "--framework",
      "tflite",
      "--quantize",
      "int8",
      "--json",
    ]);
    expect(run.code).toBe(0);
    const job = json<{ id: string; status: string; project_id: string }>(run);
    expect(job).toMatchObject({ status: "queued", project_id: projectId });
    const status = await tinyml(["status", job.id, "--json"]);
    expect(json(status)).toMatchObject({ id: job.id, status: "queued", stage: "submitted" });
    expect((await tinyml(["status", job.id])).stdout).toBe(`job ${job.id}: queued submitted 0%\n`);
  });

  it("optimize --wait follows progress in plain lines and prints the results table; download saves the model", async () => {
    const { output, done } = start([
      "optimize",
      KWS,
      "--project",
      projectId,
      "--target",
      "cortex-m4",
      "--framework",
      "tflite",
      "--wait",
    ]);
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 400 && !pattern.test(output()); i++) await new Promise((r) => setTimeout(r, 25));
      expect(output()).toMatch(pattern);
    };
    await waitFor(/submitted kws_ref_model_float32\.tflite: job (\S+)\n/);
    jobId = /job (\S+)\n/.exec(output())?.[1] as string;
    await waitFor(/queued submitted 0%/);
    await cp.services.jobRecorder.recordProgress(jobId, { stage: "quantize", progress: 0.5 });
    await waitFor(/running quantize 50%/);
    const model = Buffer.from("optimized model bytes");
    const key = `sdk-cli/${randomUUID()}.tflite`;
    await cp.blobStore.put(key, Readable.from([model]));
    await cp.services.jobRecorder.recordResult(jobId, {
      metrics: {
        flashBytes: { value: 44_216, unit: "B", source: "emulated" },
        top1: { value: 0.903, source: "emulated" },
      },
      artifact: { blobKey: key, fileName: "model.tflite" },
    });
    const run = await done;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      [
        `job ${jobId}: queued submitted 0%`,
        `job ${jobId}: running quantize 50%`,
        `job ${jobId}: completed done 100%`,
        `job ${jobId}: completed`,
        "metric      value  unit  source",
        "----------  -----  ----  --------",
        "flashBytes  44216  B     emulated",
        "top1        0.903        emulated",
        `optimized model: model.tflite (tinyml download ${jobId})`,
      ].join("\n"),
    );
    const results = await tinyml(["results", jobId, "--json"]);
    expect(json(results)).toMatchObject({ job_id: jobId, status: "completed", artifact: "model.tflite" });
    const out = join(dir, "downloaded.tflite");
    const download = await tinyml(["download", jobId, "-o", out, "--json"]);
    expect(json(download)).toEqual({ path: out, fileName: "model.tflite" });
    expect(await readFile(out)).toEqual(model);
  });

  it("optimize --wait --json reports a failed job with exit code 1; past the Free quota the 429 says so", async () => {
    const args = ["optimize", KWS, "--project", projectId, "--target", "cortex-m4", "--framework", "tflite"];
    const api = createTinymlClient({ url, apiKey });
    const before = new Set((await api.jobs.list.query({ projectId })).map((j) => j.id));
    const { done } = start([...args, "--wait", "--json"]);
    let failedJob: string | undefined;
    for (let i = 0; i < 400 && !failedJob; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const jobs = await api.jobs.list.query({ projectId });
      failedJob = jobs.find((j) => !before.has(j.id))?.id;
    }
    await cp.services.jobRecorder.recordFailure(failedJob as string, "UNSUPPORTED_OPS: ethos-u is not supported");
    const run = await done;
    expect(run.code).toBe(1);
    expect(json(run)).toMatchObject({
      job: { id: failedJob, status: "failed" },
      error: "UNSUPPORTED_OPS: ethos-u is not supported",
    });

    // Free allows 5 optimizations a month: 3 used above, so the 6th is refused.
    for (let i = 0; i < 2; i++) expect((await tinyml([...args, "--json"])).code).toBe(0);
    const over = await tinyml([...args, "--json"]);
    expect(over.code).toBe(1);
    expect(json(over)).toMatchObject({ error: { code: "QUOTA_EXCEEDED", status: 429 } });
    expect(over.stderr).toMatch(/QUOTA_EXCEEDED, HTTP 429\): the monthly optimization quota of your tier is used up/);
  });

  it("says what is wrong, with an exit code, for a wrong key, an unknown job, an unreachable server and bad usage", async () => {
    const wrongKey = await tinyml(["projects", "--json"], { TINYML_API_KEY: "tk_wrong" });
    expect(wrongKey.code).toBe(4);
    expect(json(wrongKey)).toMatchObject({ error: { code: "UNAUTHORIZED", status: 401 } });
    expect(wrongKey.stderr).toMatch(
      /invalid, expired or revoked .*check the API key \(tinyml login, or TINYML_API_KEY\)/,
    );

    const missing = await tinyml(["results", randomUUID()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tinyml: job \S+ not found \(NOT_FOUND, HTTP 404\)/);

    const unreachable = await tinyml(["projects", "--json"], { TINYML_URL: "http://127.0.0.1:59" });
    expect(unreachable.code).toBe(3);
    expect(json(unreachable)).toMatchObject({ error: { code: "UNREACHABLE" } });
    expect(unreachable.stderr).toMatch(/cannot reach the TinyML service at http:\/\/127\.0\.0\.1:59: ECONNREFUSED/);

    const usage = await tinyml(["optimize", KWS, "--target", "cortex-m4"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--project ID is required/);
    expect((await tinyml(["frobnicate"])).code).toBe(2);
  });
});
