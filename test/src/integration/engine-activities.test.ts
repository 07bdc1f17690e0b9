import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Client, Connection } from "@temporalio/client";
import { ApplicationFailure } from "@temporalio/common";
import { MockActivityEnvironment } from "@temporalio/testing";
import { runOnQemu } from "@tinyml/emulator";
import { createEngineActivities, NOTES } from "@tinyml/workers";
import { gridHealthCheck } from "@tinyml/workflows";
import {
  type BlobRef,
  type BlobUpload,
  type CompileFirmwareResult,
  FAILURE_TYPES,
  type FarmRunResult,
  type JobArtifactName,
  JobSpec,
  jobArtifactKey,
} from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findFreePortRange, REPO_ROOT } from "../services/launch.js";

/**
 * The engine activities of workflow optimizeModel against the real S3-compatible server, through presigned GET and
 * PUT URLs only (as the control plane hands them out), with the firmware run in QEMU by `runOnQemu` as the farm
 * agent's emulated boards run it. The job's figures must equal those of `tinyml-engine optimize --emit c` and `tinyml-engine
 * bench` run directly on the same model and dataset.
 */

const run = promisify(execFile);
const env = inject("stackEnv");
const FIXTURES = process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "../shared/fixtures");
const KWS_FLOAT = join(FIXTURES, "mlperf-tiny/kws/kws_ref_model_float32.tflite");
const KWS_DATA = join(REPO_ROOT, ".tmp/fixtures/kws_eembc.npz");
const ENGINE_CLI = join(REPO_ROOT, "workers/engine/bin/tinyml-engine.js");
const SAMPLES = 50;

const bucket = env.S3_BUCKET as string;
const prefix = `engine-activities-${randomUUID()}/`;
let s3: S3Client;
let work: string;
const activities = createEngineActivities({
  folders: { runtimeDir: join(REPO_ROOT, "sdk/embedded"), firmwareDir: join(REPO_ROOT, "hardware-farm/firmware") },
  heartbeatIntervalMs: 1_000,
});

beforeAll(async () => {
  s3 = new S3Client({
    endpoint: env.S3_ENDPOINT as string,
    region: env.S3_REGION as string,
    forcePathStyle: true,
    // a presigned PUT must not carry a checksum of the (unknown) body: the activity PUTs any bytes to it
    requestChecksumCalculation: "WHEN_REQUIRED",
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID as string, secretAccessKey: env.S3_SECRET_ACCESS_KEY as string },
  });
  work = await mkdtemp(join(tmpdir(), "engine-activities-"));
  await putObject("inputs/kws.tflite", await readFile(KWS_FLOAT));
  await putObject("inputs/kws_eembc.npz", await readFile(KWS_DATA));
});

afterAll(async () => {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const keys = (listed.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
  if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  s3.destroy();
  await rm(work, { recursive: true, force: true });
});

const putObject = (key: string, body: Uint8Array) =>
  s3.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + key, Body: body }));

async function getObject(key: string): Promise<Buffer | null> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
    return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  } catch (e) {
    if ((e as { name?: string }).name === "NoSuchKey") return null;
    throw e;
  }
}

const ref = async (key: string): Promise<BlobRef> => ({
  key,
  url: await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: prefix + key }), { expiresIn: 3600 }),
});
const upload = async (key: string): Promise<BlobUpload> => ({
  key,
  url: await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: prefix + key }), { expiresIn: 3600 }),
});

async function uploadsOf<K extends JobArtifactName>(jobId: string, names: K[]): Promise<Record<K, BlobUpload>> {
  const entries = await Promise.all(names.map(async (n) => [n, await upload(jobArtifactKey(jobId, n))] as const));
  return Object.fromEntries(entries) as Record<K, BlobUpload>;
}
async function readsOf<K extends JobArtifactName>(jobId: string, names: K[]): Promise<Record<K, BlobRef>> {
  const entries = await Promise.all(names.map(async (n) => [n, await ref(jobArtifactKey(jobId, n))] as const));
  return Object.fromEntries(entries) as Record<K, BlobRef>;
}

const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
  new MockActivityEnvironment().run<A, R, typeof fn>(fn, ...args);

const cli = async (args: string[]) =>
  run(process.execPath, [ENGINE_CLI, ...args], { maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout);

const withoutVolatile = (report: Record<string, unknown>) => {
  const { createdAt: _c, timings: _t, ...rest } = report;
  return rest;
};

describe("engine activities over presigned S3 URLs", () => {
  it("analyzeModel fails a corrupt model non-retryably with the engine's message", async () => {
    // a TFLite flatbuffer cut short: the identifier says tflite, the tables point past the end
    const corrupt = (await readFile(KWS_FLOAT)).subarray(0, 4096);
    await putObject("inputs/corrupt.tflite", corrupt);
    const failure = await inActivity(activities.analyzeModel, {
      jobId: "corrupt",
      model: { ...(await ref("inputs/corrupt.tflite")), fileName: "corrupt.tflite" },
      target: "cortex-m4",
    }).catch((e) => e);
    await writeFile(join(work, "corrupt.tflite"), corrupt);
    const engine: { stderr: string } = await cli(["analyze", join(work, "corrupt.tflite")]).then(
      () => ({ stderr: "the CLI accepted the corrupt model" }),
      (e) => e,
    );
    const engineMessage = engine.stderr.replace(/^error \[CORRUPT_MODEL\]: /, "").trim();
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(FAILURE_TYPES.badInput);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(engineMessage);
  });

  it("int8 KWS on cortex-m4: quantize, compile, the farm's run, finish give the CLI's figures", async () => {
    const jobId = `int8-${randomUUID()}`;
    const spec = JobSpec.parse({ hardwareTarget: "cortex-m4", modelFramework: "tflite", quantizationType: "int8" });
    const model = { ...(await ref("inputs/kws.tflite")), fileName: "kws_ref_model_float32.tflite" };
    const dataset = { ...(await ref("inputs/kws_eembc.npz")), fileName: "kws_eembc.npz" };

    // the CLI on the same files, run beside the job
    const cliDir = join(work, "cli");
    const cliRun = (async () => {
      await cli([
        "optimize",
        KWS_FLOAT,
        "--dataset",
        KWS_DATA,
        "--target",
        "cortex-m4",
        "--quantize",
        "int8",
        // the job's target size (target_size_kb 100 by default): the same budget through both callers
        "--size-budget-kb",
        "100",
        "--out",
        cliDir,
        "--emit",
        "c",
        "--json",
      ]);
      await cli(["bench", cliDir, "--board", "cortex-m4", "--dataset", KWS_DATA, "--limit", String(SAMPLES), "--json"]);
    })();

    const quantized = await inActivity(activities.quantizeModel, {
      jobId,
      spec,
      model,
      dataset,
      uploads: await uploadsOf(jobId, ["model.tflite", "model.onnx", "report.json", "c.tar.gz"]),
    });
    expect(quantized.generatedC).toBe(true);

    const compiled: CompileFirmwareResult = await inActivity(activities.compileFirmware, {
      jobId,
      target: "cortex-m4",
      c: await ref(jobArtifactKey(jobId, "c.tar.gz")),
      dataset,
      samples: SAMPLES,
      uploads: await uploadsOf(jobId, ["firmware.elf", "firmware.map", "inputs.bin", "expected.bin"]),
    });
    expect(compiled).toMatchObject({ inferences: SAMPLES, board: "mps2-an386", kernels: "armv7em" });

    // the farm agent's part: fetch the firmware and inputs by URL, run them in QEMU, PUT the outputs
    const elf = join(work, "farm-fw.elf");
    await writeFile(elf, (await getObject(jobArtifactKey(jobId, "firmware.elf"))) as Buffer);
    const inputs = (await getObject(jobArtifactKey(jobId, "inputs.bin"))) as Buffer;
    expect(inputs.length % SAMPLES).toBe(0);
    const ran = await runOnQemu("cortex-m4", {
      firmwareElf: elf,
      inputs,
      inferences: SAMPLES,
      outputBytes: compiled.outputBytes,
      timeoutMs: 120_000,
    });
    expect(ran.outputs.length).toBe(SAMPLES * compiled.outputBytes);
    const put = await fetch((await upload(jobArtifactKey(jobId, "outputs.bin"))).url, {
      method: "PUT",
      body: ran.outputs,
    });
    expect(put.ok).toBe(true);
    const farmRun: FarmRunResult = {
      host: "test-host",
      boardId: "qemu-0",
      driver: "qemu",
      source: "emulated",
      perInference: ran.perInference,
      summary: ran.summary,
      command: ran.command,
      attempt: 1,
    };

    const finished = await inActivity(activities.finishBenchmark, {
      jobId,
      target: "cortex-m4",
      dataset,
      samples: SAMPLES,
      compiled,
      run: farmRun,
      reads: await readsOf(jobId, [
        "firmware.elf",
        "firmware.map",
        "expected.bin",
        "outputs.bin",
        "report.json",
        "c.tar.gz",
        "model.tflite",
        "model.onnx",
      ]),
      uploads: await uploadsOf(jobId, ["benchmark.json", "report.json", "bundle.tar.gz"]),
    });

    await cliRun;
    const cliReport = JSON.parse(await readFile(join(cliDir, "report.json"), "utf8"));
    const cliBench = JSON.parse(await readFile(join(cliDir, "benchmark.json"), "utf8"));
    const jobReport = JSON.parse(((await getObject(jobArtifactKey(jobId, "report.json"))) as Buffer).toString());
    const jobBench = JSON.parse(((await getObject(jobArtifactKey(jobId, "benchmark.json"))) as Buffer).toString());

    // the optimization: same report as the CLI's (but its time stamps), same model bytes
    expect(withoutVolatile(jobReport)).toEqual(withoutVolatile(cliReport));
    expect(
      (await getObject(jobArtifactKey(jobId, "model.tflite")))?.equals(await readFile(join(cliDir, "model.tflite"))),
    ).toBe(true);
    const m = quantized.metrics;
    expect(m.accuracy_before).toMatchObject({
      value: cliReport.baseline.quality.value,
      unit: "top-1",
      source: "computed",
    });
    expect(m.accuracy_after).toMatchObject({
      value: cliReport.optimized.quality.value,
      unit: "top-1",
      source: "computed",
    });
    expect(m.accuracy_after?.basis).toBe("generated C built for the host on 1000 samples");
    expect(m.model_bytes_before).toMatchObject({ value: cliReport.baseline.sizeBytes, unit: "B", source: "computed" });
    expect(m.model_bytes_after).toMatchObject({ value: cliReport.optimized.sizeBytes, unit: "B", source: "computed" });

    // the deployment: same figures as `tinyml-engine bench`, with their sources
    const { emulator: _j, ...jobRecord } = jobBench;
    const { emulator: _c, ...cliRecord } = cliBench;
    expect(jobRecord).toEqual(cliRecord);
    expect(jobReport.deployment).toEqual(cliReport.deployment);
    const f = finished.metrics;
    expect(f.flash_bytes).toMatchObject({ value: cliBench.memory.flashBytes, unit: "B", source: "emulated" });
    expect(f.ram_bytes).toMatchObject({ value: cliBench.memory.ramBytes, unit: "B", source: "emulated" });
    expect(f.arena_bytes).toMatchObject({ value: cliBench.memory.arenaBytes, source: "emulated" });
    expect(f.peak_stack_bytes).toMatchObject({ value: cliBench.memory.peakStackBytes, source: "emulated" });
    expect(f.instructions_per_inference).toMatchObject({
      value: cliBench.instructions.mean,
      unit: "instructions",
      source: "emulated",
    });
    expect(f.latency_ms).toMatchObject({ value: cliBench.estimate.latencyMs, unit: "ms", source: "estimated" });
    expect(f.energy_uj).toMatchObject({ value: cliBench.estimate.energyUj, unit: "µJ", source: "estimated" });
    expect(f.board_accuracy).toMatchObject({ value: cliBench.quality.value, unit: "top-1", source: "emulated" });
    expect(f.outputs_matching_host).toMatchObject({ value: SAMPLES, unit: "inferences" });
    expect(cliBench.outputs.matchingHost).toBe(SAMPLES);
    expect(finished.notes.join("\n")).not.toMatch(/different from the same C/);

    // the download bundle
    const bundle = join(work, "bundle.tar.gz");
    await writeFile(bundle, (await getObject(jobArtifactKey(jobId, "bundle.tar.gz"))) as Buffer);
    const { stdout } = await run("tar", ["-tzf", bundle]);
    const entries = stdout.split("\n");
    for (const name of ["model.tflite", "model.onnx", "report.json", "benchmark.json", "c/model.c", "c/model.h"]) {
      expect(entries).toContain(name);
    }
    expect(entries).toContain("firmware-cortex-m4.elf");
  }, 180_000);

  it("a board whose outputs differ from the host build is reported, not hidden", async () => {
    // a job of its own on another board, whose farm run returns one inference's outputs altered
    const jobId = `mismatch-${randomUUID()}`;
    const spec = JobSpec.parse({ hardwareTarget: "riscv", modelFramework: "tflite" });
    const model = { ...(await ref("inputs/kws.tflite")), fileName: "kws.tflite" };
    const dataset = { ...(await ref("inputs/kws_eembc.npz")), fileName: "kws_eembc.npz" };
    await inActivity(activities.quantizeModel, {
      jobId,
      spec,
      model,
      dataset,
      uploads: await uploadsOf(jobId, ["model.tflite", "model.onnx", "report.json", "c.tar.gz"]),
    });
    const compiled = await inActivity(activities.compileFirmware, {
      jobId,
      target: "riscv",
      c: await ref(jobArtifactKey(jobId, "c.tar.gz")),
      dataset,
      samples: 5,
      uploads: await uploadsOf(jobId, ["firmware.elf", "firmware.map", "inputs.bin", "expected.bin"]),
    });
    const elf = join(work, "riscv-fw.elf");
    await writeFile(elf, (await getObject(jobArtifactKey(jobId, "firmware.elf"))) as Buffer);
    const inputs = (await getObject(jobArtifactKey(jobId, "inputs.bin"))) as Buffer;
    const ran = await runOnQemu("riscv", {
      firmwareElf: elf,
      inputs,
      inferences: 5,
      outputBytes: compiled.outputBytes,
      timeoutMs: 120_000,
    });
    const outputs = Buffer.from(ran.outputs);
    outputs[compiled.outputBytes * 2] = (outputs[compiled.outputBytes * 2] as number) ^ 0x40; // inference 3 of 5
    await putObject(jobArtifactKey(jobId, "outputs.bin"), outputs);
    const finished = await inActivity(activities.finishBenchmark, {
      jobId,
      target: "riscv",
      dataset,
      samples: 5,
      compiled,
      run: {
        host: "h",
        boardId: "b",
        driver: "qemu",
        source: "emulated",
        perInference: ran.perInference,
        summary: ran.summary,
        command: ran.command,
        attempt: 1,
      },
      reads: await readsOf(jobId, [
        "firmware.elf",
        "firmware.map",
        "expected.bin",
        "outputs.bin",
        "report.json",
        "c.tar.gz",
        "model.tflite",
      ]),
      uploads: await uploadsOf(jobId, ["benchmark.json", "report.json", "bundle.tar.gz"]),
    });
    expect(finished.metrics.outputs_matching_host?.value).toBe(4);
    expect(finished.notes).toContain(
      "1 of 5 inferences on riscv32-virt gave output bytes different from the same C built for the host: the deployed code does not compute what was evaluated (a runtime or compiler fault to investigate)",
    );
    expect(finished.notes).toContain("model.onnx was not handed to finishBenchmark: the download bundle leaves it out");
  }, 120_000);

  it("fp16: no C, no firmware, and the job says so", async () => {
    const jobId = `fp16-${randomUUID()}`;
    const result = await inActivity(activities.quantizeModel, {
      jobId,
      spec: JobSpec.parse({ hardwareTarget: "cortex-m7", modelFramework: "tflite", quantizationType: "fp16" }),
      model: { ...(await ref("inputs/kws.tflite")), fileName: "kws.tflite" },
      dataset: { ...(await ref("inputs/kws_eembc.npz")), fileName: "kws_eembc.npz" },
      uploads: await uploadsOf(jobId, ["model.tflite", "model.onnx", "report.json", "c.tar.gz"]),
    });
    expect(result.generatedC).toBe(false);
    expect(result.notes).toContain(NOTES.fp16);
    expect(await getObject(jobArtifactKey(jobId, "c.tar.gz"))).toBeNull();
    const report = JSON.parse(((await getObject(jobArtifactKey(jobId, "report.json"))) as Buffer).toString());
    expect(report.optimized.precision).toBe("fp16");
    expect(result.metrics.accuracy_after?.value).toBe(report.optimized.quality.value);
  });

  it("a model too big for the target fails compileFirmware non-retryably with the linker's overflow", async () => {
    // the firmware tests' fully connected model with 1024 x 2048 int8 weights: 2 MiB against the target's 1 MiB
    const jobId = `too-big-${randomUUID()}`;
    const generator = await import(
      pathToFileURL(join(REPO_ROOT, "hardware-farm/firmware/tests/fc_model/generate.mjs")).href
    );
    const dir = join(work, "too-big");
    generator.writeFcModel(join(dir, "c"), { inputs: 1024, hidden: 2048, outputs: 10, seed: 1 });
    await run("tar", ["-czf", join(dir, "c.tar.gz"), "-C", dir, "c"]);
    await putObject(jobArtifactKey(jobId, "c.tar.gz"), await readFile(join(dir, "c.tar.gz")));
    const npz = join(dir, "x.npz");
    await run(join(REPO_ROOT, ".venv/bin/python"), [
      "-c",
      "import sys, numpy as np; np.savez(sys.argv[1], x_int8=np.zeros((2, 1024), np.int8))",
      npz,
    ]);
    await putObject(`inputs/${jobId}.npz`, await readFile(npz));
    const failure = await inActivity(activities.compileFirmware, {
      jobId,
      target: "cortex-m4",
      c: await ref(jobArtifactKey(jobId, "c.tar.gz")),
      dataset: { ...(await ref(`inputs/${jobId}.npz`)), fileName: "x.npz" },
      samples: 1,
      uploads: await uploadsOf(jobId, ["firmware.elf", "firmware.map", "inputs.bin", "expected.bin"]),
    }).catch((e) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(FAILURE_TYPES.badInput);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(
      /^the model does not fit the mps2-an386 board's memory: FLASH overflowed by \d+ bytes/,
    );
    expect(await getObject(jobArtifactKey(jobId, "firmware.elf"))).toBeNull();
  }, 120_000);
});

describe("the worker process (workers/service dist/worker.js)", () => {
  it("runs activities on its task queue, serves their metrics and Temporal's, and stops on SIGTERM", async () => {
    const port = await findFreePortRange(2);
    const taskQueue = `optimize-test-${randomUUID()}`;
    const child = spawn(process.execPath, [join(REPO_ROOT, "workers/service/dist/worker.js")], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS as string,
        TASK_QUEUE: taskQueue,
        METRICS_PORT: String(port),
        TEMPORAL_METRICS_PORT: String(port + 1),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS as string });
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes(`worker polling task queue ${taskQueue}`)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the worker did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const client = new Client({ connection });
      const [health] = await client.workflow.execute(gridHealthCheck, {
        args: [[taskQueue]],
        taskQueue,
        workflowId: `worker-process-${randomUUID()}`,
      });
      expect(health?.pid).toBe(child.pid);

      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toContain('tinyml_worker_activities_total{activity="reportWorkerHealth",outcome="completed"} 1');
      expect(text).toMatch(
        /tinyml_worker_activity_duration_seconds_count\{activity="reportWorkerHealth",outcome="completed"\} 1/,
      );
      expect(text).toMatch(/^process_cpu_user_seconds_total /m);
      // the Temporal runtime's own exporter, on its port and appended to the worker's
      const temporal = await (await fetch(`http://127.0.0.1:${port + 1}/metrics`)).text();
      const temporalMetric = temporal.match(/^(temporal_\w+)/m)?.[1];
      expect(temporalMetric).toBeDefined();
      expect(text).toContain(`${temporalMetric}`);

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await connection.close();
    }
  }, 60_000);
});
