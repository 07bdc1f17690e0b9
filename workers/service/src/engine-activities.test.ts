import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApplicationFailure, CancelledFailure } from "@temporalio/activity";
import { MockActivityEnvironment } from "@temporalio/testing";
import { analyzeGraph, importModel, isEngineError, runPasses } from "@tinyml/engine";
import { FAILURE_TYPES, JobSpec, type QuantizeModelRequest } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineFolders, loadWorkerConfig } from "./config.js";
import { createEngineActivities, DATASET_REQUIRED, NOTES } from "./engine-activities.js";
import { startTestBlobServer, type TestBlobServer } from "./testing/blob-server.js";
import { generatedPath, KWS_FLOAT, REPO, readFixture } from "./testing/fixtures.js";
import { paddedConvDataset, paddedConvOnnx } from "./testing/padded-conv.js";

/**
 * The engine activities over real HTTP (an in-memory blob server) and the real engine: analysis, bad input failing
 * non-retryably with the engine's own message, fp16 (no C), heartbeats and cancellation. The int8 path through
 * firmware and the farm's run, compared with the CLI, is in test/src/integration/engine-activities.test.ts.
 */

let store: TestBlobServer;
const kws = readFixture(KWS_FLOAT);
const work = mkdtempSync(join(tmpdir(), "engine-activities-unit-"));
const activities = createEngineActivities({
  folders: engineFolders(loadWorkerConfig({})),
  workDir: work,
  heartbeatIntervalMs: 200,
});
/** The Free tier's limit, as the control plane puts it on a job's dataset. */
const FREE_DATASET_BYTES = 100_000_000;

beforeAll(async () => {
  store = await startTestBlobServer();
  store.blobs.set("in/kws.tflite", kws);
  store.blobs.set("in/kws.npz", readFixture(generatedPath("kws_eembc.npz")));
});
afterAll(async () => {
  await store.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs an activity in a mock activity context (typed by the activity, not by its argument literal). */
const inActivity = <A extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> => env.run<A, R, typeof fn>(fn, ...args);

/** The engine's own error for some bytes, to compare the activity's failure with. */
async function engineMessage(bytes: Uint8Array, name: string): Promise<string> {
  try {
    await importModel(bytes, name);
  } catch (e) {
    if (isEngineError(e)) return e.message;
    throw e;
  }
  throw new Error("the engine accepted the bytes");
}

async function expectBadInput(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  const failure = await promise.then(
    () => {
      throw new Error("the activity succeeded");
    },
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(ApplicationFailure);
  const f = failure as ApplicationFailure;
  expect(f.type).toBe(FAILURE_TYPES.badInput);
  expect(f.nonRetryable).toBe(true);
  if (typeof message === "string") expect(f.message).toBe(message);
  else expect(f.message).toMatch(message);
}

const quantizeRequest = (jobId: string, spec: Partial<JobSpec>, dataset = true): QuantizeModelRequest => ({
  jobId,
  spec: JobSpec.parse({ hardwareTarget: "cortex-m4", modelFramework: "tflite", ...spec }),
  model: { ...store.ref("in/kws.tflite"), fileName: "kws_ref_model_float32.tflite" },
  dataset: dataset
    ? { ...store.ref("in/kws.npz"), fileName: "kws_eembc.npz", maxInflatedBytes: FREE_DATASET_BYTES }
    : null,
  uploads: {
    "model.tflite": store.upload(`jobs/${jobId}/model.tflite`),
    "model.onnx": store.upload(`jobs/${jobId}/model.onnx`),
    "report.json": store.upload(`jobs/${jobId}/report.json`),
    "c.tar.gz": store.upload(`jobs/${jobId}/c.tar.gz`),
  },
});

describe("analyzeModel", () => {
  it("summarizes the model as the engine's analysis does", async () => {
    const summary = await inActivity(new MockActivityEnvironment(), activities.analyzeModel, {
      jobId: "a1",
      model: { ...store.ref("in/kws.tflite"), fileName: "kws.tflite" },
      target: "cortex-m4",
    });
    const { graph } = await importModel(kws, "kws.tflite");
    runPasses(graph);
    const expected = analyzeGraph(graph);
    expect(summary).toEqual({
      format: "tflite",
      params: expected.params,
      macs: expected.macs,
      ops: expected.ops,
      peakActivationBytes: expected.peakActivationBytes,
      modelBytes: kws.length,
    });
    expect(summary.macs).toBeGreaterThan(1_000_000);
  });

  it("fails a corrupt model once, non-retryably, with the engine's message", async () => {
    const corrupt = kws.subarray(0, 4096);
    store.blobs.set("in/corrupt.tflite", corrupt);
    await expectBadInput(
      inActivity(new MockActivityEnvironment(), activities.analyzeModel, {
        jobId: "a2",
        model: { ...store.ref("in/corrupt.tflite"), fileName: "corrupt.tflite" },
        target: "cortex-m4",
      }),
      await engineMessage(corrupt, "corrupt.tflite"),
    );
  });

  it.each([
    2 ** 31,
    65535,
  ])("fails a Conv padded by %i at once, non-retryably, with the engine's OVER_LIMITS message", async (pad) => {
    const padded = paddedConvOnnx(pad);
    store.blobs.set(`in/padded-${pad}.onnx`, padded);
    const started = performance.now();
    await expectBadInput(
      inActivity(new MockActivityEnvironment(), activities.analyzeModel, {
        jobId: "a6",
        model: { ...store.ref(`in/padded-${pad}.onnx`), fileName: "padded.onnx" },
        target: "cortex-m4",
      }),
      await engineMessage(padded, "padded.onnx"),
    );
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("asks for a conversion of a Keras file", async () => {
    const h5 = Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
    store.blobs.set("in/model.h5", h5);
    await expectBadInput(
      inActivity(new MockActivityEnvironment(), activities.analyzeModel, {
        jobId: "a3",
        model: { ...store.ref("in/model.h5"), fileName: "model.h5" },
        target: "cortex-m4",
      }),
      /model\.h5 is a keras-h5 model; .*convert it first/,
    );
  });

  it("a 4xx from the blob store fails the activity at once, non-retryably, after one request", async () => {
    const answers = [
      ["in/missing.tflite", "404 Not Found (NoSuchKey)"],
      ["refused/kws.tflite", "403 Forbidden (SignatureDoesNotMatch)"],
    ];
    for (const [key, answer] of answers as [string, string][]) {
      await expectBadInput(
        inActivity(new MockActivityEnvironment(), activities.analyzeModel, {
          jobId: "a4",
          model: { ...store.ref(key), fileName: "kws.tflite" },
          target: "cortex-m4",
        }),
        `cannot download blob ${key}: HTTP ${answer}`,
      );
      expect(store.hits.get(key)).toBe(1);
    }
  });

  it("a store that keeps failing (5xx) is retried by the client, then left to Temporal's retries", async () => {
    const failure = await inActivity(new MockActivityEnvironment(), activities.analyzeModel, {
      jobId: "a5",
      model: { ...store.ref("unavailable/kws.tflite"), fileName: "kws.tflite" },
      target: "cortex-m4",
    }).catch((e) => e);
    expect(failure).not.toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ name: "BlobTransferError", status: 503, permanent: false });
    expect(store.hits.get("unavailable/kws.tflite")).toBe(3);
  });
});

describe("quantizeModel", () => {
  it("requires a dataset", async () => {
    await expectBadInput(
      inActivity(new MockActivityEnvironment(), activities.quantizeModel, quantizeRequest("q1", {}, false)),
      DATASET_REQUIRED,
    );
  });

  it("fp16: evaluates and uploads the model, generates no C, says so, and notes the missing pruning", async () => {
    const env = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    env.on("heartbeat", (d) => heartbeats.push(d));
    const result = await inActivity(
      env,
      activities.quantizeModel,
      quantizeRequest("q2", { quantizationType: "fp16", enablePruning: true, pruningSparsity: 0.5 }),
    );
    expect(result.generatedC).toBe(false);
    expect(result.notes).toContain(NOTES.fp16);
    expect(result.notes).toContain(NOTES.pruning(0.5));
    expect(store.blobs.has("jobs/q2/c.tar.gz")).toBe(false);
    const report = JSON.parse(store.blobs.get("jobs/q2/report.json")?.toString() ?? "{}");
    expect(report.optimized.precision).toBe("fp16");
    expect(store.blobs.get("jobs/q2/model.tflite")?.length).toBe(report.optimized.sizeBytes);
    expect(result.metrics.accuracy_before).toEqual({
      value: report.baseline.quality.value,
      unit: "top-1",
      source: "computed",
      basis: "float model under ONNX Runtime on 1000 samples",
    });
    expect(result.metrics.accuracy_after?.value).toBe(report.optimized.quality.value);
    expect(result.metrics.accuracy_after?.value).toBeGreaterThan(0.85);
    expect(result.metrics.model_bytes_before?.value).toBe(kws.length);
    expect(result.metrics.model_bytes_after).toEqual({
      value: report.optimized.sizeBytes,
      unit: "B",
      source: "computed",
      basis: "fp16 model.tflite (evaluated on 1000 samples)",
    });
    // a heartbeat per engine stage
    const messages = heartbeats.map((h) => (h as { message: string }).message);
    expect(messages.some((m) => m.startsWith("[baseline]"))).toBe(true);
    expect(messages.some((m) => m.startsWith("[evaluate]"))).toBe(true);
  });

  it("a model over the job's target size is kept, with the engine's note naming target_size_kb", async () => {
    const result = await inActivity(
      new MockActivityEnvironment(),
      activities.quantizeModel,
      quantizeRequest("q8", { quantizationType: "fp16", targetSizeBytes: 20_000 }),
    );
    const report = JSON.parse(store.blobs.get("jobs/q8/report.json")?.toString() ?? "{}");
    const size = report.optimized.sizeBytes as number;
    const over = `the fp16 model is ${(size / 1000).toFixed(1)} KB (${size} bytes), over target_size_kb 20 (20000 bytes)`;
    expect(report.notes).toEqual([over]);
    expect(result.notes).toEqual([NOTES.fp16, over]);
    expect(report.optimized.sizeBudgetBytes).toBe(20_000);
  });

  it("a dataset the store refuses (403) fails the activity at once, non-retryably", async () => {
    const request = quantizeRequest("q7", {});
    request.dataset = { ...store.ref("refused/kws.npz"), fileName: "kws_eembc.npz", maxInflatedBytes: 1e8 };
    await expectBadInput(
      inActivity(new MockActivityEnvironment(), activities.quantizeModel, request),
      "cannot download blob refused/kws.npz: HTTP 403 Forbidden (SignatureDoesNotMatch)",
    );
    expect(store.hits.get("refused/kws.npz")).toBe(1);
    expect([...store.blobs.keys()].filter((k) => k.startsWith("jobs/q7/"))).toEqual([]);
  });

  it("fails a dataset the engine cannot read with its message, across the optimize thread", async () => {
    store.blobs.set("in/not-a-dataset.npz", Buffer.from("x,y\n1,2\n"));
    const request = quantizeRequest("q4", {});
    request.dataset = { ...store.ref("in/not-a-dataset.npz"), fileName: "data.csv", maxInflatedBytes: 1e8 };
    await expectBadInput(inActivity(new MockActivityEnvironment(), activities.quantizeModel, request), /npz|zip/i);
  });

  it("a 1 MiB dataset that inflates to 1 GiB fails at once as bad input, from its headers, in bounded memory", async () => {
    // Python's zipfile writes it (every header honest): x of the model's input shape, zeros, 1 MiB at a time.
    const path = join(work, "bomb.npz");
    const script =
      "import sys, zipfile, numpy.lib.format as f\n" +
      "n = 547828\n" +
      "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z, z.open('x.npy', 'w', force_zip64=True) as e:\n" +
      "  f.write_array_header_1_0(e, {'descr': '<f4', 'fortran_order': False, 'shape': (n, 49, 10, 1)})\n" +
      "  for _ in range(n * 1960 // 2**20): e.write(bytes(2**20))\n" +
      "  e.write(bytes(n * 1960 % 2**20))\n";
    execFileSync(join(REPO, ".venv/bin/python"), ["-c", script, path]);
    store.blobs.set("in/bomb.npz", readFileSync(path));
    expect(store.blobs.get("in/bomb.npz")?.length).toBeLessThan(1.5 * 1024 * 1024);
    const request = quantizeRequest("q9", {});
    request.dataset = { ...store.ref("in/bomb.npz"), fileName: "bomb.npz", maxInflatedBytes: FREE_DATASET_BYTES };
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    await expectBadInput(
      inActivity(new MockActivityEnvironment(), activities.quantizeModel, request),
      /more than 100 MB once decompressed: x\.npy declares shape \(547828, 49, 10, 1\) of float32, 1073\.7 MB/,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    expect(readdirSync(work)).toEqual(["bomb.npz"]); // no work folder left
  });

  it("fails a Conv padded by 2^31 at once with the engine's message, not ONNX Runtime's (a retryable crash before)", async () => {
    const padded = paddedConvOnnx(2 ** 31);
    store.blobs.set("in/padded.onnx", padded);
    store.blobs.set("in/x-1x1x8x8.npz", paddedConvDataset());
    const request = quantizeRequest("q10", {});
    request.model = { ...store.ref("in/padded.onnx"), fileName: "padded.onnx" };
    request.dataset = { ...store.ref("in/x-1x1x8x8.npz"), fileName: "x.npz", maxInflatedBytes: FREE_DATASET_BYTES };
    await expectBadInput(
      inActivity(new MockActivityEnvironment(), activities.quantizeModel, request),
      /^Conv node "conv" \(output "y"\): Conv2D "conv" has a padding of 2,147,483,648, over the engine's limit/,
    );
    expect([...store.blobs.keys()].filter((k) => k.startsWith("jobs/q10/"))).toEqual([]);
  });

  it("mixed: target_size_kb=40 reaches the engine as 40,000 bytes, and its refusal names target_size_kb", async () => {
    const failure = await inActivity(
      new MockActivityEnvironment(),
      activities.quantizeModel,
      quantizeRequest("q5", { quantizationType: "mixed", targetSizeBytes: 40_000 }),
    ).catch((e) => e);
    await expectBadInput(
      Promise.reject(failure),
      /^the smallest mixed-precision model \(all int8\) is \d+\.\d KB \(\d+ bytes\), over target_size_kb 40 \(40000 bytes\): raise target_size_kb or prune the model$/,
    );
    expect((failure as ApplicationFailure).details?.[0]).toMatchObject({
      code: "UNSATISFIABLE",
      budgetBytes: 40_000,
      option: "target_size_kb",
    });
  });

  it("quantization off: the float model evaluated and re-exported, nothing claimed beyond it", async () => {
    const result = await inActivity(
      new MockActivityEnvironment(),
      activities.quantizeModel,
      quantizeRequest("q6", { enableQuantization: false, enableNas: true }),
    );
    expect(result.generatedC).toBe(false);
    expect(result.notes).toEqual([NOTES.nas, NOTES.noQuantization]);
    expect(Object.keys(result.metrics).sort()).toEqual(["accuracy_before", "model_bytes_before"]);
    expect(result.metrics.accuracy_before).toMatchObject({ unit: "top-1", source: "computed" });
    const report = JSON.parse(store.blobs.get("jobs/q6/report.json")?.toString() ?? "{}");
    expect(report.kind).toBe("float-evaluation");
    expect(report.baseline.quality.value).toBe(result.metrics.accuracy_before?.value);
    expect(store.blobs.get("jobs/q6/model.tflite")?.subarray(4, 8).toString()).toBe("TFL3");
    expect(store.blobs.has("jobs/q6/c.tar.gz")).toBe(false);
  });

  it("heartbeats while the engine holds the CPU, and stops at once when cancelled, uploading nothing", async () => {
    const env = new MockActivityEnvironment();
    const messages: string[] = [];
    let cancelledAt = 0;
    env.on("heartbeat", (d: { message: string }) => {
      messages.push(d.message);
      // calibration runs the float model over 200 samples in one synchronous stretch of seconds
      if (!cancelledAt && messages.filter((m) => m.startsWith("[calibrate]")).length >= 5) {
        cancelledAt = performance.now();
        env.cancel("CANCELLED");
      }
    });
    const failure = await inActivity(env, activities.quantizeModel, quantizeRequest("q3", {})).catch((e) => e);
    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(cancelledAt).toBeGreaterThan(0);
    // the optimize thread is terminated, not awaited to its next stage
    expect(performance.now() - cancelledAt).toBeLessThan(1000);
    expect(messages.some((m) => m.startsWith("[evaluate]"))).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect([...store.blobs.keys()].filter((k) => k.startsWith("jobs/q3/"))).toEqual([]);
  });
});
