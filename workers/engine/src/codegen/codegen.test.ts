import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli.js";
import { datasetFromNpz } from "../dataset/dataset.js";
import { parseNpz } from "../dataset/npz.js";
import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { importModel } from "../model-io.js";
import { type OptimizeResult, optimize } from "../optimize.js";
import { runPasses } from "../passes/pipeline.js";
import { quantizeFloat16 } from "../quantize/fp16.js";
import { OptimizationReportSchema } from "../report.js";
import { FIXTURES, fixture, generated, generatedPath, REPO_ROOT, RUNTIME_DIR, runTflite } from "../testing/fixtures.js";
import { exportTflite } from "../tflite/index.js";
import { type GeneratedC, generateC } from "./generate.js";
import { linearPlanner } from "./greedy-planner.js";
import { buildHost, dequantizeOutputs, type HostBuild, quantizeSamples, writeGeneratedFiles } from "./host-build.js";
import { lifetimesOverlap, peakLiveBytes } from "./memory-planner.js";

/**
 * Acceptance of the generated C: the KWS models run by the host build give, on all 1000 EEMBC inputs, the same
 * output bytes as TensorFlow Lite Micro (the golden: its reference kernels through oracle/run_tflite.py), and the
 * planned arena is smaller than the one TFLite Micro uses for the same model.
 */

/** TFLite Micro's arena for the KWS reference model with CMSIS-NN kernels (arena_used_bytes, MLPerf Tiny). */
const TFLM_KWS_ARENA_BYTES = 22_772;

const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "engine-codegen-"));
const builds: HostBuild[] = [];
afterAll(async () => {
  for (const b of builds) await b.dispose();
  rmSync(work, { recursive: true, force: true });
});
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const imported = (bytes: Uint8Array, name: string): Graph => {
  const { graph } = importModel(bytes, name);
  runPasses(graph);
  return graph;
};
const kwsRefPath = () => `${join(work, "kws_ref_model.tflite")}`;
const labels = () => {
  const y = parseNpz(generated("kws_eembc.npz")).get("y")?.data as BigInt64Array;
  return Array.from(y, Number);
};
const argmaxes = (bytes: Uint8Array, classes: number) =>
  Array.from({ length: bytes.length / classes }, (_, s) => {
    const row = new Int8Array(bytes.buffer, bytes.byteOffset + s * classes, classes);
    return row.indexOf(Math.max(...row));
  });

describe("KWS reference model (already int8) → C", () => {
  let c: GeneratedC;
  let host: HostBuild;
  beforeAll(async () => {
    writeFileSync(kwsRefPath(), fixture("mlperf-tiny/kws/kws_ref_model.tflite"));
    c = generateC(imported(fixture("mlperf-tiny/kws/kws_ref_model.tflite"), "kws_ref_model.tflite"), {
      runtimeDir: RUNTIME_DIR,
    });
    host = await buildHost(c);
    builds.push(host);
  }, 120_000);

  it("with the Armv7E-M and RV32IM twins (portable C on the host), the same bytes within the same arena", async () => {
    const x = parseNpz(generated("kws_eembc.npz")).get("x_int8")?.data as Int8Array;
    const inputs = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    const ref = await host.runRaw(inputs);
    for (const arch of ["armv7em", "rv32im"] as const) {
      const twin = await buildHost(c, { arch });
      builds.push(twin);
      // Init asked each linked kernel for its scratch and accepted the plan; the harness's guard bytes after the
      // arena are intact; the bytes are the reference's.
      expect(sha256(await twin.runRaw(inputs)), arch).toBe(sha256(ref));
    }
    // Scratch for all five convolutions, the four depthwise ones and the fully connected layer.
    expect(c.layout.scratch.size).toBe(10);
  }, 120_000);

  it("gives TFLite Micro's output bytes on all 1000 EEMBC inputs, and its accuracy", async () => {
    const x = parseNpz(generated("kws_eembc.npz")).get("x_int8");
    expect(x?.dtype).toBe("int8");
    const raw = x?.data as Int8Array;
    const outputs = await host.runRaw(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
    expect(outputs.length).toBe(1000 * 12);
    const tflm = await runTflite(kwsRefPath(), generatedPath("kws_eembc.npz"), "tflm", ["--key", "x_int8"]);
    expect(tflm.samples).toBe(1000);
    expect(sha256(outputs)).toBe(tflm.outputs_sha256);
    const predictions = argmaxes(outputs, 12);
    expect(predictions).toEqual(tflm.predictions);
    const y = labels();
    const top1 = predictions.filter((p, i) => p === y[i]).length / 1000;
    expect(top1).toBe(tflm.top1);
    expect(top1).toBeGreaterThan(0.89);
  }, 120_000);

  it("plans an arena far below TFLite Micro's (22,772 B with CMSIS-NN)", () => {
    console.log(
      `KWS arena: ours ${c.arenaBytes} B (${c.layout.planner}, ahead of time) vs TFLite Micro + CMSIS-NN ${TFLM_KWS_ARENA_BYTES} B`,
    );
    expect(c.arenaBytes).toBeLessThanOrEqual(TFLM_KWS_ARENA_BYTES);
    // Two 25×5×64 int8 activations alive at once, plus the largest kernel scratch of the optimized twins (the
    // Armv7E-M pointwise convolution: 64 requantization entries of 28 bytes and four im2col columns of 64 int16),
    // is the least any plan can do; the greedy plan reaches it.
    expect(Math.max(...[...c.layout.scratch.values()].map((s) => s.bytes))).toBe(64 * 28 + 4 * 64 * 2);
    expect(c.arenaBytes).toBe(2 * 25 * 5 * 64 + 64 * 28 + 4 * 64 * 2);
    expect(c.arenaBytes).toBe(peakLiveBytes(c.layout.buffers, 16));
    expect(linearPlanner.plan(c.layout.buffers, 16).arenaBytes).toBeGreaterThan(4 * c.arenaBytes);
  });

  it("keeps simultaneously live buffers apart and runs the flatten Reshape in place", () => {
    const { buffers, storage, aliased } = c.layout;
    for (const a of buffers)
      for (const b of buffers) {
        if (a === b || !lifetimesOverlap(a, b)) continue;
        expect(a.offset + a.bytes <= b.offset || b.offset + b.bytes <= a.offset).toBe(true);
      }
    const graph = imported(fixture("mlperf-tiny/kws/kws_ref_model.tflite"), "kws");
    const reshape = graph.nodes.find((n) => n.op === "Reshape");
    expect([...aliased].map((n) => n.op)).toEqual(["Reshape"]);
    const from = storage.get(reshape?.inputs[0] as string);
    const to = storage.get(reshape?.outputs[0] as string);
    expect(from?.kind).toBe("arena");
    expect(to).toEqual(from);
    // The caller's buffers are not in the arena.
    expect(storage.get(graph.inputs[0] as string)).toEqual({ kind: "input" });
    expect(storage.get(graph.outputs[0] as string)).toEqual({ kind: "output" });
    const modelC = c.files.get("model.c") as string;
    expect(modelC).toContain("in place: its output aliases its input's bytes");
    expect(modelC.match(/status = tml_/g)).toHaveLength(12); // 13 ops, the Reshape costs no call
  });

  it("writes the model API other firmware builds on", () => {
    const h = c.files.get("model.h") as string;
    const define = (name: string) => new RegExp(`^#define ${name} (\\S+)$`, "m").exec(h)?.[1];
    expect(define("TML_MODEL_ARENA_SIZE")).toBe(String(c.arenaBytes));
    expect(define("TML_MODEL_INPUT_BYTES")).toBe("490");
    expect(define("TML_MODEL_OUTPUT_BYTES")).toBe("12");
    expect(define("TML_MODEL_INPUT_TYPE_INT8")).toBe("1");
    expect(define("TML_MODEL_OUTPUT_TYPE_INT8")).toBe("1");
    // 9 significant digits: the literal reads back as the model's float32 scale.
    expect(Math.fround(Number.parseFloat(define("TML_MODEL_INPUT_SCALE") as string))).toBe(
      Math.fround(0.5847029089927673),
    );
    expect(define("TML_MODEL_INPUT_ZERO_POINT")).toBe("83");
    expect(Number.parseFloat(define("TML_MODEL_OUTPUT_SCALE") as string)).toBe(1 / 256);
    expect(define("TML_MODEL_OUTPUT_ZERO_POINT")).toBe("-128");
    expect(define("TML_MODEL_MACS")).toBe(String(320_000 + 4 * (72_000 + 512_000) + 768));
    expect(h).toContain("int tml_model_init(uint8_t *arena, size_t arena_size);");
    expect(h).toContain("int tml_model_run(const void *input, void *output);");
    // Only the kernels it calls, plus headers.
    const used = ["avgpool_s8", "conv2d_s8", "depthwise_conv2d_s8", "fully_connected_s8", "softmax_s8"];
    const sources = [...c.files.keys()].filter((p) => p.endsWith(".c") && p !== "model.c");
    expect(sources.filter((p) => p.startsWith("tinyml/src/ref/")).sort()).toEqual(
      used.map((k) => `tinyml/src/ref/tml_${k}.c`),
    );
    // Optimized twins of those kernels only (the Armv7E-M convolutions and fully connected, so far).
    const twins = sources.filter((p) => !p.startsWith("tinyml/src/ref/"));
    expect(twins).toContain("tinyml/src/armv7em/tml_conv2d_s8.c");
    for (const p of twins)
      expect(
        used.some((k) => p.match(/^tinyml\/src\/(armv7em|rv32im)\/tml_(.*)\.c$/)?.[2] === k),
        p,
      ).toBe(true);
    expect(c.files.has("tinyml/include/tinyml/tml_kernels.h")).toBe(true);
    expect(c.files.get("README.md")).toContain(`Arena: ${c.arenaBytes} bytes`);
  });

  it("model.c is warning-free C99; tml_model_init refuses an arena one byte short and absorbs misalignment", async () => {
    const dir = join(work, "api");
    await writeGeneratedFiles(c, dir);
    await exec("cc", [
      "-std=c99",
      "-pedantic",
      "-Wall",
      "-Wextra",
      "-Werror",
      "-fsyntax-only",
      "-I",
      dir,
      "-I",
      join(dir, "tinyml/include"),
      join(dir, "model.c"),
    ]);
    writeFileSync(
      join(dir, "arena_check.c"),
      `#include <stdio.h>
#include "model.h"
static union { unsigned char b[TML_MODEL_ARENA_SIZE + 32]; long double align; } mem;
int main(void) {
  printf("%d %d %d %d\\n", tml_model_init(mem.b, TML_MODEL_ARENA_SIZE - 1), tml_model_init(mem.b + 1, TML_MODEL_ARENA_SIZE),
         tml_model_init(mem.b + 1, TML_MODEL_ARENA_SIZE + 15), tml_model_init(mem.b, TML_MODEL_ARENA_SIZE));
  return 0;
}
`,
    );
    const sources = [...c.files.keys()].filter((p) => p.endsWith(".c")).map((p) => join(dir, p));
    const exe = join(dir, "arena_check");
    await exec("cc", [
      "-O1",
      "-std=c99",
      "-I",
      dir,
      "-I",
      join(dir, "tinyml/include"),
      ...sources,
      join(dir, "arena_check.c"),
      "-o",
      exe,
    ]);
    const { stdout } = await exec(exe);
    expect(stdout.trim()).toBe("-1 -1 0 0");
  }, 60_000);

  it.skipIf(!existsSync("/usr/bin/cmake") && !existsSync("/usr/local/bin/cmake"))(
    "CMakeLists.txt builds libtinyml_model.a for TML_ARCH=ref, armv7em and rv32im",
    async () => {
      const dir = join(work, "cmake");
      await writeGeneratedFiles(c, dir);
      for (const arch of ["ref", "armv7em", "rv32im"]) {
        const build = join(work, `cmake-build-${arch}`);
        await exec("cmake", ["-S", dir, "-B", build, `-DTML_ARCH=${arch}`]);
        await exec("cmake", ["--build", build]);
        expect(existsSync(join(build, "libtinyml_model.a"))).toBe(true);
      }
      await expect(exec("cmake", ["-S", dir, "-B", join(work, "cmake-bad"), "-DTML_ARCH=z80"])).rejects.toThrow(
        /TML_ARCH must be ref, armv7em or rv32im/,
      );
    },
    120_000,
  );
});

describe("the engine's own KWS through optimize --emit c", () => {
  const run = (precision: "int8" | "int16x8" | "mixed") =>
    optimize({
      model: fixture("mlperf-tiny/kws/kws_ref_model_float32.tflite"),
      modelName: "kws_ref_model_float32.tflite",
      dataset: generated("kws_eembc.npz"),
      target: "cortex-m4",
      precision,
      // mixed: a budget that promotes one layer to int16 (Quantize nodes requantize int8 ↔ int16 around it).
      ...(precision === "mixed" ? { sizeBudgetBytes: Math.floor(46.5 * 1024) } : {}),
      emitC: { runtimeDir: RUNTIME_DIR },
    });

  for (const precision of ["int8", "int16x8", "mixed"] as const) {
    it(`${precision}: the host-built C gives TFLite Micro's bytes on model.tflite, and report.json says so`, async () => {
      const result: OptimizeResult = await run(precision);
      const report = OptimizationReportSchema.parse(result.report);
      const c = result.c as GeneratedC;
      expect(report.evaluation.executor).toBe("c-host");
      expect(report.evaluation.crossCheck?.executor).toBe("onnxruntime-node");
      expect(report.codegen?.arenaBytes).toBe(c.arenaBytes);
      // int8: two activations and the Armv7E-M pointwise convolution's scratch; with int16 layers their
      // twice-as-large activations (the int16 kernels need no scratch).
      expect(c.arenaBytes).toBe(precision === "int8" ? 2 * 8000 + 64 * 28 + 4 * 64 * 2 : 2 * 2 * 8000);
      if (precision === "mixed") {
        expect(report.mixed?.promoted.length).toBeGreaterThan(0);
        expect(c.kernels).toEqual(expect.arrayContaining(["tml_requantize_s8_s16", "tml_requantize_s16_s8"]));
      }

      const model = join(work, `kws-${precision}.tflite`);
      writeFileSync(model, result.tflite);
      const tflm = await runTflite(model, generatedPath("kws_eembc.npz"), "tflm");
      const host = await buildHost(c);
      builds.push(host);
      const data = datasetFromNpz(generated("kws_eembc.npz"), c.input.shape);
      const outputs = await host.runRaw(quantizeSamples(data, c.input));
      expect(sha256(outputs)).toBe(tflm.outputs_sha256);
      // The reported accuracy is the shipped code's, and equals TFLite Micro's.
      expect(report.optimized.quality?.value).toBe(tflm.top1);
      expect(report.codegen?.hostAccuracy?.value).toBe(tflm.top1);
      expect(report.optimized.quality?.samples).toBe(1000);
    }, 300_000);
  }

  it("refuses --emit c with fp16 before doing any work", async () => {
    await expect(
      optimize({
        model: fixture("mlperf-tiny/kws/kws_ref_model_float32.tflite"),
        modelName: "kws.tflite",
        dataset: new Uint8Array(),
        target: "cortex-m4",
        precision: "fp16",
        emitC: { runtimeDir: RUNTIME_DIR },
      }),
    ).rejects.toMatchObject({ code: "USAGE" });
  });
});

describe("every runtime kernel against TFLite Micro", () => {
  const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

  // codegen_zoo_*.tflite (testdata/make_codegen_zoo.py, TF converter, integer I/O): PAD, PADV2, CONV_2D,
  // DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D, LOGISTIC, TANH, ADD, MUL, CONCATENATION, MEAN,
  // FULLY_CONNECTED, SOFTMAX (and QUANTIZE int16 → int16 in the 16x8 one, whose LOGISTIC and TANH are the int16
  // kernels); 200 inputs spread past the calibration range.
  for (const [precision, kernels] of [
    ["int8", 13],
    ["int16x8", 14],
  ] as const) {
    it(`codegen zoo ${precision}: ${kernels} kernels, TFLite Micro's output bytes on 200 inputs`, async () => {
      const model = testdata(`codegen_zoo_${precision}.tflite`);
      const c = generateC(imported(readFileSync(model), `codegen_zoo_${precision}`), { runtimeDir: RUNTIME_DIR });
      expect(c.kernels.filter((k) => k !== "tml_gen_lut_s16")).toHaveLength(kernels);
      const host = await buildHost(c);
      builds.push(host);
      // Inputs spread a little past the calibration range (uniform in ±1), so clamps and saturation are hit too.
      const inputs = join(work, "codegen_zoo_inputs.npz");
      await exec(`${REPO_ROOT}.venv/bin/python`, [
        "-c",
        `import numpy as np; np.savez("${inputs}", x=(np.random.default_rng(1).uniform(-1.25, 1.25, (200, 12, 10, 3))).astype(np.float32))`,
      ]);
      const data = datasetFromNpz(readFileSync(inputs), c.input.shape);
      const outputs = await host.runRaw(quantizeSamples(data, c.input));
      const tflm = await runTflite(model, inputs, "tflm");
      expect(tflm.samples).toBe(200);
      expect(sha256(outputs)).toBe(tflm.outputs_sha256);
      // The inputs reach many different outputs (a constant network would prove little).
      const rows = new Set(
        Array.from({ length: 200 }, (_, i) => sha256(outputs.subarray(i * c.output.bytes, (i + 1) * c.output.bytes))),
      );
      expect(rows.size).toBeGreaterThan(20);
    }, 120_000);
  }

  it("a model with the TF converter's defaults (float interface, per-channel FC): TFLite Micro's real outputs", async () => {
    const model = testdata("codegen_zoo_int8_float_io.tflite");
    const graph = imported(readFileSync(model), "codegen_zoo_int8_float_io");
    expect(graph.nodes[0]?.op).toBe("Quantize");
    expect(graph.nodes.at(-1)?.op).toBe("Dequantize");
    const c = generateC(graph, { runtimeDir: RUNTIME_DIR });
    expect(c.input.dtype).toBe("int8");
    expect(c.kernels).not.toContain("tml_quantize_f32_s8");
    // The converter's default per-channel fully connected weights.
    expect(c.kernels).toContain("tml_fully_connected_per_channel_s8");
    const host = await buildHost(c);
    builds.push(host);
    const inputs = join(work, "codegen_zoo_inputs_float_io.npz");
    await exec(`${REPO_ROOT}.venv/bin/python`, [
      "-c",
      `import numpy as np; np.savez("${inputs}", x=(np.random.default_rng(2).uniform(-1.25, 1.25, (200, 12, 10, 3))).astype(np.float32))`,
    ]);
    const data = datasetFromNpz(readFileSync(inputs), c.input.shape);
    // The caller quantizes as TFLite Micro's QUANTIZE kernel does, and dequantizes as its DEQUANTIZE does.
    const outputs = dequantizeOutputs(await host.runRaw(quantizeSamples(data, c.input, "double")), c.output);
    const floats = new Float32Array(outputs.length * 6);
    for (const [i, o] of outputs.entries()) floats.set(o, i * 6);
    const tflm = await runTflite(model, inputs, "tflm");
    expect(sha256(new Uint8Array(floats.buffer))).toBe(tflm.outputs_sha256);
  }, 120_000);

  it("micro_speech (TFLite Micro's example): its output bytes on 300 random spectrograms", async () => {
    const model = `${FIXTURES}/tflite-micro/micro_speech/micro_speech_quantized.tflite`;
    const npz = join(work, "micro_speech.npz");
    await exec(`${REPO_ROOT}.venv/bin/python`, [
      "-c",
      `import numpy as np; np.savez("${npz}", x=np.random.default_rng(3).integers(-128, 128, (300, 1, 1960)).astype(np.int8))`,
    ]);
    const c = generateC(imported(readFileSync(model), "micro_speech"), { runtimeDir: RUNTIME_DIR });
    const host = await buildHost(c);
    builds.push(host);
    const x = parseNpz(readFileSync(npz)).get("x")?.data as Int8Array;
    const outputs = await host.runRaw(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    expect(sha256(outputs)).toBe((await runTflite(model, npz, "tflm")).outputs_sha256);
  }, 120_000);

  it("the engine's int8 AD autoencoder (fully connected, 640 wide): TFLite Micro's bytes and MSE", async () => {
    const result = await optimize({
      model: fixture("mlperf-tiny/ad/ad01_fp32.tflite"),
      modelName: "ad01_fp32.tflite",
      dataset: generated("ad_windows.npz"),
      target: "cortex-m4",
      precision: "int8",
      emitC: { runtimeDir: RUNTIME_DIR },
    });
    const c = result.c as GeneratedC;
    const model = join(work, "ad-int8.tflite");
    writeFileSync(model, result.tflite);
    const tflm = await runTflite(model, generatedPath("ad_windows.npz"), "tflm");
    const host = await buildHost(c);
    builds.push(host);
    const data = datasetFromNpz(generated("ad_windows.npz"), c.input.shape);
    expect(sha256(await host.runRaw(quantizeSamples(data, c.input)))).toBe(tflm.outputs_sha256);
    expect(result.report.optimized.quality?.metric).toBe("mse");
    expect(result.report.optimized.quality?.value).toBeCloseTo(tflm.mse as number, 9);
  }, 120_000);

  it("person_detect (TFLite Micro's example): its output bytes on its two test images and six random ones", async () => {
    const dir = `${FIXTURES}/tflite-micro/person_detection`;
    const model = `${dir}/person_detect.tflite`;
    const npz = join(work, "person.npz");
    await exec(`${REPO_ROOT}.venv/bin/python`, [
      "-c",
      `import numpy as np
images = [np.fromfile("${dir}/testdata/" + f, dtype=np.int8).reshape(96, 96, 1) for f in ("person_int8_96x96x1.raw", "no_person_int8_96x96x1.raw")]
noise = np.random.default_rng(7).integers(-128, 128, (6, 96, 96, 1)).astype(np.int8)
np.savez("${npz}", x=np.concatenate([np.stack(images), noise]))`,
    ]);
    const c = generateC(imported(readFileSync(model), "person_detect"), { runtimeDir: RUNTIME_DIR });
    const host = await buildHost(c);
    builds.push(host);
    const x = parseNpz(readFileSync(npz)).get("x")?.data as Int8Array;
    const outputs = await host.runRaw(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    const tflm = await runTflite(model, npz, "tflm");
    expect(sha256(outputs)).toBe(tflm.outputs_sha256);
    expect(tflm.predictions.slice(0, 2)).toEqual([1, 0]); // person, no person
    console.log(`person_detect arena: ${c.arenaBytes} B`);
  }, 120_000);
});

describe("in-place Reshape at the model's edges", () => {
  const q = (scale: number, zeroPoint = 0) => ({ scale: [scale], zeroPoint: [zeroPoint] });

  it("a Reshape from the caller's input to the caller's output copies (tml_reshape_s8)", async () => {
    const graph: Graph = {
      name: "reshape",
      tensors: new Map([
        ["x", { name: "x", dtype: "int8", shape: [1, 2, 3], quant: q(0.1) }],
        ["y", { name: "y", dtype: "int8", shape: [6], quant: q(0.1) }],
      ]),
      nodes: [{ name: "r", op: "Reshape", inputs: ["x"], outputs: ["y"], attrs: { shape: [6] } }],
      inputs: ["x"],
      outputs: ["y"],
    };
    const c = generateC(graph, { runtimeDir: RUNTIME_DIR });
    expect(c.layout.aliased.size).toBe(0);
    expect(c.layout.arenaBytes).toBe(0);
    expect(c.arenaBytes).toBe(16); // the smallest arena that is still a valid C array
    const host = await buildHost(c);
    builds.push(host);
    const inputs = Uint8Array.from({ length: 6 * 5 }, (_, i) => (i * 37) & 0xff);
    expect(await host.runRaw(inputs)).toEqual(inputs);
  }, 60_000);

  it("FullyConnected → Reshape → output: the op writes the caller's buffer, as TFLite Micro computes it", async () => {
    const graph: Graph = {
      name: "fc_reshape",
      tensors: new Map([
        ["x", { name: "x", dtype: "int8", shape: [1, 8], quant: q(0.05, -3) }],
        [
          "w",
          {
            name: "w",
            dtype: "int8",
            shape: [4, 8],
            quant: q(0.02),
            data: Int8Array.from({ length: 32 }, (_, i) => ((i * 53) % 255) - 127),
          },
        ],
        ["b", { name: "b", dtype: "int32", shape: [4], quant: q(0.001), data: Int32Array.from([100, -250, 3000, -7]) }],
        ["h", { name: "h", dtype: "int8", shape: [1, 4], quant: q(0.07, 5) }],
        ["y", { name: "y", dtype: "int8", shape: [1, 2, 2], quant: q(0.07, 5) }],
      ]),
      nodes: [
        {
          name: "fc",
          op: "FullyConnected",
          inputs: ["x", "w", "b"],
          outputs: ["h"],
          attrs: { activation: "relu", keepNumDims: false },
        },
        { name: "r", op: "Reshape", inputs: ["h"], outputs: ["y"], attrs: { shape: [1, 2, 2] } },
      ],
      inputs: ["x"],
      outputs: ["y"],
    };
    const c = generateC(graph, { runtimeDir: RUNTIME_DIR });
    expect([...c.layout.aliased].map((n) => n.name)).toEqual(["r"]);
    expect(c.layout.storage.get("h")).toEqual({ kind: "output" });
    expect(c.files.get("model.c")).toContain("(int8_t *)output)");
    const model = join(work, "fc_reshape.tflite");
    writeFileSync(model, exportTflite(graph));
    const npz = join(work, "fc_reshape.npz");
    await exec(`${REPO_ROOT}.venv/bin/python`, [
      "-c",
      `import numpy as np; np.savez("${npz}", x=np.random.default_rng(4).integers(-128, 128, (100, 1, 8)).astype(np.int8))`,
    ]);
    const host = await buildHost(c);
    builds.push(host);
    const x = parseNpz(readFileSync(npz)).get("x")?.data as Int8Array;
    const outputs = await host.runRaw(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    expect(sha256(outputs)).toBe((await runTflite(model, npz, "tflm")).outputs_sha256);
    expect(new Set(outputs).size).toBeGreaterThan(10);
  }, 60_000);
});

describe("MEAN with and without shared quantization", () => {
  const q = (scale: number, zeroPoint = 0) => ({ scale: [scale], zeroPoint: [zeroPoint] });
  // TFLite Micro requantizes even when input and output share quantization (the runtime's plain-mean path,
  // same_quantization = 1, gives other bytes there), so the generated C always takes the requantized path.
  for (const [what, out, keepDims] of [
    ["the same scale and zero point, keep_dims", q(0.05, -3), true],
    ["the same scale and zero point", q(0.05, -3), false],
    ["another scale and zero point", q(0.031, 7), true],
  ] as const) {
    it(`int8 over H and W with ${what}: TFLite Micro's bytes`, async () => {
      const graph: Graph = {
        name: "mean",
        tensors: new Map([
          ["x", { name: "x", dtype: "int8", shape: [1, 5, 7, 6], quant: q(0.05, -3) }],
          ["y", { name: "y", dtype: "int8", shape: keepDims ? [1, 1, 1, 6] : [1, 6], quant: out }],
        ]),
        nodes: [{ name: "m", op: "Mean", inputs: ["x"], outputs: ["y"], attrs: { axes: [1, 2], keepDims } }],
        inputs: ["x"],
        outputs: ["y"],
      };
      const c = generateC(graph, { runtimeDir: RUNTIME_DIR });
      expect(c.files.get("model.c")).toContain(".same_quantization = 0");
      const tag = `${out.zeroPoint[0]}-${keepDims}`;
      const model = join(work, `mean-${tag}.tflite`);
      writeFileSync(model, exportTflite(graph));
      const npz = join(work, `mean-${tag}.npz`);
      await exec(`${REPO_ROOT}.venv/bin/python`, [
        "-c",
        `import numpy as np; np.savez("${npz}", x=np.random.default_rng(5).integers(-128, 128, (200, 5, 7, 6)).astype(np.int8))`,
      ]);
      const host = await buildHost(c);
      builds.push(host);
      const x = parseNpz(readFileSync(npz)).get("x")?.data as Int8Array;
      const outputs = await host.runRaw(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      expect(sha256(outputs)).toBe((await runTflite(model, npz, "tflm")).outputs_sha256);
    }, 60_000);
  }
});

describe("broadcasting ADD / MUL with a constant, CONCATENATION on H, multi-row SOFTMAX (beta 1.5)", () => {
  for (const bits of [8, 16] as const) {
    it(`int${bits}: TFLite Micro's bytes`, async () => {
      // int8: asymmetric; int16: zero points 0, softmax output 1/32768 (TFLite's 16x8 constraints).
      const q = (scale: number, zeroPoint = 0) => ({ scale: [scale], zeroPoint: [bits === 8 ? zeroPoint : 0] });
      const dtype: "int8" | "int16" = bits === 8 ? "int8" : "int16";
      const act = (name: string, shape: number[], quant = q(0.05, -20)): [string, Tensor] => [
        name,
        { name, dtype, shape, quant },
      ];
      const constant = bits === 8 ? Int8Array.from([10, -50, 90]) : Int16Array.from([1000, -5000, 9000]);
      const graph = {
        name: `edge${bits}`,
        tensors: new Map<string, Tensor>([
          act("x", [1, 4, 5, 3], q(bits === 8 ? 0.04 : 0.0004, 2)),
          ["c", { name: "c", dtype, shape: [1, 1, 1, 3], quant: q(bits === 8 ? 0.02 : 0.0002, -1), data: constant }],
          act("a", [1, 4, 5, 3]),
          act("m", [1, 4, 5, 3]),
          act("k", [1, 8, 5, 3]),
          act("s", [1, 8, 5, 3], bits === 8 ? q(1 / 256, -128) : q(1 / 32768)),
        ]),
        nodes: [
          { name: "add", op: "Add", inputs: ["x", "c"], outputs: ["a"], attrs: { activation: "relu" } },
          { name: "mul", op: "Mul", inputs: ["x", "c"], outputs: ["m"], attrs: { activation: "none" } },
          { name: "cat", op: "Concat", inputs: ["a", "m"], outputs: ["k"], attrs: { axis: 1, activation: "none" } },
          { name: "sm", op: "Softmax", inputs: ["k"], outputs: ["s"], attrs: { beta: 1.5 } },
        ],
        inputs: ["x"],
        outputs: ["s"],
      } as Graph;
      const c = generateC(graph, { runtimeDir: RUNTIME_DIR });
      const model = join(work, `edge${bits}.tflite`);
      writeFileSync(model, exportTflite(graph));
      const npz = join(work, `edge${bits}.npz`);
      const [lo, hi] = bits === 8 ? [-128, 128] : [-32768, 32768];
      await exec(`${REPO_ROOT}.venv/bin/python`, [
        "-c",
        `import numpy as np; np.savez("${npz}", x=np.random.default_rng(6).integers(${lo}, ${hi}, (100, 4, 5, 3)).astype(np.${dtype}))`,
      ]);
      const host = await buildHost(c);
      builds.push(host);
      const x = parseNpz(readFileSync(npz)).get("x")?.data as Int8Array | Int16Array;
      const outputs = await host.runRaw(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      expect(sha256(outputs)).toBe((await runTflite(model, npz, "tflm")).outputs_sha256);
    }, 60_000);
  }
});

describe("unsupported graphs", () => {
  const float = () => imported(fixture("mlperf-tiny/kws/kws_ref_model_float32.tflite"), "kws_float");

  const refusal = (graph: Graph): EngineError => {
    try {
      generateC(graph, { runtimeDir: RUNTIME_DIR });
    } catch (e) {
      if (e instanceof EngineError) return e;
      throw e;
    }
    throw new Error("generateC accepted the graph");
  };

  it("a float graph is refused naming its ops", () => {
    const e = refusal(float());
    expect(e.code).toBe("UNSUPPORTED_OPS");
    expect(e.details.ops).toEqual(expect.arrayContaining(["Conv2D", "DepthwiseConv2D", "FullyConnected", "Softmax"]));
    expect(e.message).toMatch(/--quantize int8/);
  });

  it("an fp16 graph is refused naming Dequantize", () => {
    const e = refusal(quantizeFloat16(float()));
    expect(e.code).toBe("UNSUPPORTED_OPS");
    expect(e.details.ops).toContain("Dequantize");
    expect(e.message).toMatch(/Dequantize "/);
  });

  it("an int8 op the runtime lacks (Sub) is named", () => {
    const q = { scale: [0.1], zeroPoint: [0] };
    const graph: Graph = {
      name: "sub",
      tensors: new Map([
        ["a", { name: "a", dtype: "int8", shape: [1, 4], quant: q }],
        ["b", { name: "b", dtype: "int8", shape: [1, 4], quant: q }],
      ]),
      nodes: [{ name: "sub0", op: "Sub", inputs: ["a", "a"], outputs: ["b"], attrs: { activation: "none" } }],
      inputs: ["a"],
      outputs: ["b"],
    };
    const e = refusal(graph);
    expect(e.details.ops).toEqual(["Sub"]);
    expect(e.message).toContain('Sub "sub0" (no C emitter)');
  });
});

describe("CLI", () => {
  it("codegen MODEL --out DIR --dataset D writes DIR/c and reports the host build's accuracy (TFLite Micro's)", async () => {
    const out = join(work, "cli");
    writeFileSync(kwsRefPath(), fixture("mlperf-tiny/kws/kws_ref_model.tflite"));
    const printed: string[] = [];
    const log = console.log;
    console.log = (line: string) => printed.push(line);
    try {
      expect(
        await main(["codegen", kwsRefPath(), "--out", out, "--dataset", generatedPath("kws_eembc.npz"), "--json"]),
      ).toBe(0);
    } finally {
      console.log = log;
    }
    const summary = JSON.parse(printed.at(-1) as string);
    const tflm = await runTflite(kwsRefPath(), generatedPath("kws_eembc.npz"), "tflm");
    expect(summary.hostAccuracy).toEqual({ metric: "top1", value: tflm.top1, samples: 1000 });
    for (const f of ["model.c", "model.h", "CMakeLists.txt", "README.md", "tinyml/src/ref/tml_conv2d_s8.c"]) {
      expect(existsSync(join(out, "c", f)), f).toBe(true);
    }
    expect(readFileSync(join(out, "c", "model.h"), "utf8")).toMatch(/^#define TML_MODEL_ARENA_SIZE 18304$/m);
  });

  it("--emit takes only c", async () => {
    const args = ["optimize", kwsRefPath(), "--dataset", "d.npz", "--target", "cortex-m4", "--quantize", "int8"];
    expect(await main([...args, "--out", join(work, "x"), "--emit", "h"])).toBe(2);
  });
});
