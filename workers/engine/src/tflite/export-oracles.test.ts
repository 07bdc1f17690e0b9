import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { type GeneratedC, generateC } from "../codegen/generate.js";
import { buildHost, quantizeSamples } from "../codegen/host-build.js";
import { imported, scratchSpace, sha256 } from "../codegen/test-support.js";
import { datasetFromNpz } from "../dataset/dataset.js";
import type { Tensor } from "../ir/tensor.js";
import { optimize, type Precision } from "../optimize.js";
import { FIXTURES, fixture, generated, generatedPath, REPO_ROOT, RUNTIME_DIR } from "../testing/fixtures.js";
import { npzOf } from "../testing/npz.js";
import { seededRandom } from "../testing/random.js";
import { fp16Network, int8Network, int16x8Network } from "../testing/tflite-networks.js";
import { exportTflite } from "./export.js";
import { importTflite } from "./import.js";

/**
 * Every exported .tflite the engine's tests make must load and agree in LiteRT's builtin kernels, LiteRT's
 * reference kernels and TensorFlow Lite Micro (workers/engine/oracle/check_exports.py: load, op by op, whole model),
 * and its generated C must give TFLite Micro's output bytes: the fixture models quantized int8 and int16x8 (their
 * FullyConnected layers per tensor, as the engine quantizes them), a ResNet-style classifier from the TF converter,
 * the converter's own int8 models re-exported, and the hand-written networks of the export tests.
 */

const { work, builds } = scratchSpace("engine-export-oracles-");
const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const codegenTestdata = (name: string) => fileURLToPath(new URL(`../codegen/testdata/${name}`, import.meta.url));
const exec = promisify(execFile);

/** Samples each case runs (the first of its dataset). */
const SAMPLES = 48;

interface Case {
  name: string;
  model: string;
  data: string;
  /** The generated C of the same graph, when the test compares it with TFLite Micro. */
  c?: GeneratedC;
  /** fp16: the two LiteRT resolvers only (TFLite Micro's DEQUANTIZE takes no float16; see the last test). */
  interpreters?: string[];
}

const LITERT_ONLY = ["litert-builtin", "litert-ref"];

interface CheckedCase {
  name: string;
  ok: boolean;
  problems: string[];
  interpreters: Record<string, { loaded: boolean; error: string | null; outputs_sha256?: string }>;
  ops?: { op: string; max_difference: Record<string, number> }[];
}

/** n float32 samples of `shape`, uniform in [lo, hi), seeded: an .npz written under the scratch folder. */
function uniformSamples(name: string, shape: number[], lo: number, hi: number, seed: number): string {
  const rand = seededRandom(seed);
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + (hi - lo) * rand());
  const path = join(work, `${name}.npz`);
  writeFileSync(path, npzOf({ x: { descr: "<f4", shape, data } }));
  return path;
}

const FIXTURE_MODELS = [
  ["kws", "mlperf-tiny/kws/kws_ref_model_float32.tflite", "kws_eembc.npz"],
  ["kws-onnx", "kws.onnx", "kws_eembc.npz"],
  ["kws-tflite-onnx", "kws_tflite.onnx", "kws_eembc.npz"],
  ["ad", "mlperf-tiny/ad/ad01_fp32.tflite", "ad_windows.npz"],
  ["ad-onnx", "ad01.onnx", "ad_windows.npz"],
  ["hello-world", "tflite-micro/hello_world/hello_world_float.tflite", "hello_world.npz"],
  ["resnet-classifier", "resnet_classifier_float.tflite", "resnet.npz"],
] as const;
const PRECISIONS: Precision[] = ["int8", "int16x8"];

/** A fixture model's bytes: from the shared fixtures (a path), this folder's testdata or ops/fixtures' outputs. */
function modelBytes(model: string): Uint8Array {
  if (model.includes("/")) return fixture(model);
  return model.startsWith("resnet") ? readFileSync(testdata(model)) : generated(model);
}

/** A dataset's path: ops/fixtures' outputs, or the classifier's seeded random images. */
const datasetPath = (data: string): string =>
  data === "resnet.npz" ? uniformSamples("resnet", [64, 16, 16, 3], 0, 1, 3) : generatedPath(data);

async function optimizedCase(name: string, model: string, data: string, precision: Precision): Promise<Case> {
  const dataset = datasetPath(data);
  const result = await optimize({
    model: modelBytes(model),
    modelName: model,
    dataset: readFileSync(dataset),
    target: "cortex-m4",
    precision,
    calibrationSamples: 64,
    evaluationLimit: SAMPLES,
    ...(precision === "fp16" ? {} : { emitC: { runtimeDir: RUNTIME_DIR, workDir: work } }),
  });
  const path = join(work, `${name}-${precision}.tflite`);
  writeFileSync(path, result.tflite);
  const only = precision === "fp16" ? { interpreters: LITERT_ONLY } : {};
  return { name: `${name} ${precision}`, model: path, data: dataset, ...(result.c ? { c: result.c } : {}), ...only };
}

/** A converter-made .tflite imported and exported again by the engine, with the C of the imported graph. */
async function reexportedCase(name: string, source: string, data: string): Promise<Case> {
  const bytes = readFileSync(source);
  const path = join(work, `${name}.tflite`);
  writeFileSync(path, exportTflite(importTflite(bytes, name)));
  const c = generateC(await imported(bytes, name), { runtimeDir: RUNTIME_DIR });
  return { name: `${name} re-exported`, model: path, data, c };
}

function handWrittenCases(): Case[] {
  const data = uniformSamples("networks", [64, 8, 8, 3], 0, 1, 1);
  return [
    ["int8 network", int8Network()],
    ["int16x8 network", int16x8Network()],
    ["fp16 network", fp16Network()],
  ].map(([name, graph]) => {
    const path = join(work, `${(name as string).replace(" ", "-")}.tflite`);
    writeFileSync(path, exportTflite(graph as ReturnType<typeof int8Network>));
    const c = (name as string).startsWith("fp16")
      ? undefined
      : generateC(graph as ReturnType<typeof int8Network>, { runtimeDir: RUNTIME_DIR });
    return { name: name as string, model: path, data, ...(c ? { c } : { interpreters: LITERT_ONLY }) };
  });
}

async function allCases(): Promise<Case[]> {
  const cases: Case[] = [];
  for (const [name, model, data] of FIXTURE_MODELS) {
    for (const precision of PRECISIONS) cases.push(await optimizedCase(name, model, data, precision));
  }
  cases.push(
    await optimizedCase("hello-world", "tflite-micro/hello_world/hello_world_float.tflite", "hello_world.npz", "fp16"),
  );
  const zoo = uniformSamples("zoo", [64, 12, 10, 3], -1.25, 1.25, 2);
  cases.push(
    await reexportedCase(
      "kws_ref_model",
      `${FIXTURES}/mlperf-tiny/kws/kws_ref_model.tflite`,
      datasetPath("kws_eembc.npz"),
    ),
    await reexportedCase("ad01_int8", `${FIXTURES}/mlperf-tiny/ad/ad01_int8.tflite`, datasetPath("ad_windows.npz")),
    await reexportedCase(
      "resnet_classifier_int8",
      testdata("resnet_classifier_int8.tflite"),
      datasetPath("resnet.npz"),
    ),
    await reexportedCase("codegen_zoo_int8", codegenTestdata("codegen_zoo_int8.tflite"), zoo),
    await reexportedCase("codegen_zoo_int16x8", codegenTestdata("codegen_zoo_int16x8.tflite"), zoo),
    ...handWrittenCases(),
  );
  return cases;
}

/** The generated C's raw outputs on the case's first SAMPLES samples, quantized as the oracle quantizes them. */
async function generatedOutputsSha256(c: GeneratedC, data: string): Promise<string> {
  const dataset = await datasetFromNpz(readFileSync(data), c.input.shape);
  const host = await buildHost(c, { workDir: work });
  builds.push(host);
  const inputs = quantizeSamples(dataset, c.input).subarray(0, SAMPLES * c.input.bytes);
  return sha256(await host.runRaw(inputs));
}

const CASE_NAMES = [
  ...FIXTURE_MODELS.flatMap(([name]) => PRECISIONS.map((p) => `${name} ${p}`)),
  "hello-world fp16",
  ...["kws_ref_model", "ad01_int8", "resnet_classifier_int8", "codegen_zoo_int8", "codegen_zoo_int16x8"].map(
    (n) => `${n} re-exported`,
  ),
  "int8 network",
  "int16x8 network",
  "fp16 network",
];

let cases: Case[];
let checked: Map<string, CheckedCase>;
let cSha256: Map<string, string>;

beforeAll(async () => {
  cases = await allCases();
  const manifest = join(work, "manifest.json");
  writeFileSync(
    manifest,
    JSON.stringify({
      cases: cases.map(({ name, model, data, interpreters }) => ({ name, model, data, limit: SAMPLES, interpreters })),
    }),
  );
  // Exit status 1 when a case fails: the JSON on stdout says which and why, and the tests below name it.
  const { stdout } = await exec(
    `${REPO_ROOT}.venv/bin/python`,
    [`${REPO_ROOT}workers/engine/oracle/check_exports.py`, manifest],
    { maxBuffer: 64 << 20 },
  ).catch((e: { stdout?: string; stderr?: string; code?: number }) => {
    if (e.code === 1 && e.stdout) return { stdout: e.stdout };
    throw new Error(`check_exports.py failed: ${e.stderr ?? e}`);
  });
  const report = JSON.parse(stdout) as { cases: CheckedCase[] };
  checked = new Map(report.cases.map((c) => [c.name, c]));
  cSha256 = new Map();
  for (const c of cases) if (c.c) cSha256.set(c.name, await generatedOutputsSha256(c.c, c.data));
}, 900_000);

describe("exported models in LiteRT (builtin and reference kernels) and TensorFlow Lite Micro", () => {
  it("covers every case the file names", () => {
    expect(cases.map((c) => c.name)).toEqual(CASE_NAMES);
  });

  it.each(
    CASE_NAMES,
  )("%s: loads in all three, agrees op by op and whole, and the generated C gives TFLM's bytes", (name) => {
    const result = checked.get(name) as CheckedCase;
    const fp16 = name.includes("fp16");
    const loaded = Object.fromEntries(Object.entries(result.interpreters).map(([k, v]) => [k, v.error ?? "loaded"]));
    expect(loaded).toEqual({ "litert-builtin": "loaded", "litert-ref": "loaded", ...(fp16 ? {} : { tflm: "loaded" }) });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.ops?.length).toBeGreaterThan(0);
    if (!fp16) expect(cSha256.get(name)).toBe(result.interpreters.tflm?.outputs_sha256);
  });

  it("the engine quantizes the classifier's FullyConnected per tensor, with a per-tensor bias", () => {
    for (const precision of PRECISIONS) {
      const file = cases.find((c) => c.name === `resnet-classifier ${precision}`)?.model as string;
      const graph = importTflite(readFileSync(file), "resnet");
      const fc = graph.nodes.find((n) => n.op === "FullyConnected");
      const [w, b] = [fc?.inputs[1], fc?.inputs[2]].map((n) => graph.tensors.get(n as string) as Tensor);
      expect(w?.quant?.scale).toHaveLength(1);
      expect(b?.quant?.scale).toHaveLength(1);
      expect(b?.dtype).toBe(precision === "int8" ? "int32" : "int64");
      // LiteRT's FULLY_CONNECTED really ran: its reference kernel's double-precision rescale is one step at most.
      const ops = checked.get(`resnet-classifier ${precision}`)?.ops ?? [];
      const fcOp = ops.find((o) => o.op === "FULLY_CONNECTED");
      expect(fcOp?.max_difference["litert-ref"]).toBeLessThanOrEqual(1);
    }
  });

  it("fp16 exports run in TFLite only: TensorFlow Lite Micro's DEQUANTIZE takes no float16", async () => {
    // A limit of TFLite Micro, not of the file (fp16 jobs get no C and no firmware): if TFLite Micro learns float16,
    // this fails, and fp16 joins the three-interpreter check above.
    for (const name of ["hello-world fp16", "fp16 network"]) {
      const c = cases.find((k) => k.name === name) as Case;
      const failure = await exec(`${REPO_ROOT}.venv/bin/python`, [
        `${REPO_ROOT}workers/engine/oracle/run_tflite.py`,
        c.model,
        c.data,
        "--interpreter",
        "tflm",
      ]).catch((e: { stderr: string }) => e);
      expect((failure as { stderr: string }).stderr).toMatch(/dequantize.*kTfLiteInt8 .* was not true/i);
    }
  }, 60_000);
});
