import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../cli.js";
import { datasetFromNpz } from "../dataset/dataset.js";
import { parseNpz } from "../dataset/npz.js";
import { EngineError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import { type OptimizeResult, optimize } from "../optimize.js";
import { quantizeFloat16 } from "../quantize/fp16.js";
import { OptimizationReportSchema } from "../report.js";
import { fixture, generated, generatedPath, RUNTIME_DIR, runTflite } from "../testing/fixtures.js";
import { type GeneratedC, generateC } from "./generate.js";
import { linearPlanner } from "./greedy-planner.js";
import { buildHost, type HostBuild, quantizeSamples, writeGeneratedFiles } from "./host-build.js";
import { lifetimesOverlap, peakLiveBytes } from "./memory-planner.js";
import { exec, imported, scratchSpace, sha256 } from "./test-support.js";

/**
 * Acceptance of the generated C: the KWS models run by the host build give, on all 1000 EEMBC inputs, the same
 * output bytes as TensorFlow Lite Micro (the golden: its reference kernels through oracle/run_tflite.py), and the
 * planned arena is smaller than the one TFLite Micro uses for the same model.
 */

/** TFLite Micro's arena for the KWS reference model with CMSIS-NN kernels (arena_used_bytes, MLPerf Tiny). */
const TFLM_KWS_ARENA_BYTES = 22_772;

const { work, builds } = scratchSpace("engine-codegen-");
const kwsRefPath = () => `${join(work, "kws_ref_model.tflite")}`;
const labels = async () => {
  const y = (await parseNpz(generated("kws_eembc.npz"))).get("y")?.data as BigInt64Array;
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
    c = generateC(await imported(fixture("mlperf-tiny/kws/kws_ref_model.tflite"), "kws_ref_model.tflite"), {
      runtimeDir: RUNTIME_DIR,
    });
    host = await buildHost(c, { workDir: work });
    builds.push(host);
  }, 120_000);

  it("with the Armv7E-M and RV32IM twins (portable C on the host), the same bytes within the same arena", async () => {
    const x = (await parseNpz(generated("kws_eembc.npz"))).get("x_int8")?.data as Int8Array;
    const inputs = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    const ref = await host.runRaw(inputs);
    for (const arch of ["armv7em", "rv32im"] as const) {
      const twin = await buildHost(c, { workDir: work, arch });
      builds.push(twin);
      // Init asked each linked kernel for its scratch and accepted the plan; the harness's guard bytes after the
      // arena are intact; the bytes are the reference's.
      expect(sha256(await twin.runRaw(inputs)), arch).toBe(sha256(ref));
    }
    // Scratch for all five convolutions, the four depthwise ones and the fully connected layer.
    expect(c.layout.scratch.size).toBe(10);
  }, 120_000);

  it("gives TFLite Micro's output bytes on all 1000 EEMBC inputs, and its accuracy", async () => {
    const x = (await parseNpz(generated("kws_eembc.npz"))).get("x_int8");
    expect(x?.dtype).toBe("int8");
    const raw = x?.data as Int8Array;
    const outputs = await host.runRaw(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
    expect(outputs.length).toBe(1000 * 12);
    const tflm = await runTflite(kwsRefPath(), generatedPath("kws_eembc.npz"), "tflm", ["--key", "x_int8"]);
    expect(tflm.samples).toBe(1000);
    expect(sha256(outputs)).toBe(tflm.outputs_sha256);
    const predictions = argmaxes(outputs, 12);
    expect(predictions).toEqual(tflm.predictions);
    const y = await labels();
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

  it("keeps simultaneously live buffers apart and runs the flatten Reshape in place", async () => {
    const { buffers, storage, aliased } = c.layout;
    for (const a of buffers)
      for (const b of buffers) {
        if (a === b || !lifetimesOverlap(a, b)) continue;
        expect(a.offset + a.bytes <= b.offset || b.offset + b.bytes <= a.offset).toBe(true);
      }
    const graph = await imported(fixture("mlperf-tiny/kws/kws_ref_model.tflite"), "kws");
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
      ...(precision === "mixed"
        ? { sizeBudget: { bytes: Math.floor(46.5 * 1024), option: "--size-budget-kb", whenOver: "refuse" as const } }
        : {}),
      emitC: { runtimeDir: RUNTIME_DIR, workDir: work },
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
      const host = await buildHost(c, { workDir: work });
      builds.push(host);
      const data = await datasetFromNpz(generated("kws_eembc.npz"), c.input.shape);
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
        emitC: { runtimeDir: RUNTIME_DIR, workDir: work },
      }),
    ).rejects.toMatchObject({ code: "USAGE" });
  });
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

  it("a float graph is refused naming its ops", async () => {
    const e = refusal(await float());
    expect(e.code).toBe("UNSUPPORTED_OPS");
    expect(e.details.ops).toEqual(expect.arrayContaining(["Conv2D", "DepthwiseConv2D", "FullyConnected", "Softmax"]));
    expect(e.message).toMatch(/--quantize int8/);
  });

  it("an fp16 graph is refused naming Dequantize", async () => {
    const e = refusal(quantizeFloat16(await float()));
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
