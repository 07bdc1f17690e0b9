import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TargetId } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateC, writeGeneratedFiles } from "../codegen/index.js";
import { importModel } from "../model-io.js";
import { optimize } from "../optimize.js";
import { runPasses } from "../passes/pipeline.js";
import {
  FIRMWARE_DIR,
  FIXTURES,
  fixture,
  generated,
  generatedPath,
  RUNTIME_DIR,
  runTflite,
} from "../testing/fixtures.js";
import { npzOf } from "../testing/npz.js";
import { benchmark } from "./bench.js";

/**
 * The code generator's C for real models, built into the firmware and run in QEMU: KWS's output bytes equal
 * TensorFlow Lite Micro's on the first EEMBC inputs (Cortex-M4 and RISC-V), person_detection gives the TFLM
 * example's classes on Cortex-M4 and Cortex-M7, with TFLM's output bytes. Each board runs the core's optimized kernels
 * (bench's default: the Armv7E-M and RV32IM twins the generated runtime ships); KWS on Cortex-M4 runs the reference
 * kernels too. Each board runs the core's optimized
 * kernels when the generated runtime ships them (bench's default); KWS on Cortex-M4 runs the reference kernels too. The full 1000 KWS inputs run in workers/engine/bench/embedded.mjs.
 */

const KWS = "mlperf-tiny/kws/kws_ref_model.tflite";
const PERSON = "tflite-micro/person_detection/person_detect.tflite";
const KWS_SAMPLES = 20;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "bench-generated-"));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function generatedModel(path: string, name: string): Promise<string> {
  const { graph } = await importModel(fixture(path), path);
  runPasses(graph);
  const dir = join(work, name);
  await writeGeneratedFiles(generateC(graph, { runtimeDir: RUNTIME_DIR }), join(dir, "c"));
  return dir;
}

describe("generated models on the emulated boards", () => {
  it("the engine's own int8 KWS (its own input parameters) on cortex-m4: TFLite Micro's output bytes", async () => {
    const result = await optimize({
      model: fixture("mlperf-tiny/kws/kws_ref_model_float32.tflite"),
      modelName: "kws_ref_model_float32.tflite",
      dataset: generated("kws_eembc.npz"),
      target: "cortex-m4",
      precision: "int8",
      evaluationLimit: 50,
      calibrationSamples: 100,
    });
    const dir = join(work, "engine-kws");
    await writeGeneratedFiles(generateC(result.optimized, { runtimeDir: RUNTIME_DIR }), join(dir, "c"));
    const model = join(dir, "model.tflite");
    await writeFile(model, result.tflite);
    const bench = await benchmark({
      firmwareDir: FIRMWARE_DIR,
      dir,
      target: "cortex-m4",
      dataset: generated("kws_eembc.npz"),
      limit: KWS_SAMPLES,
    });
    const oracle = await runTflite(model, generatedPath("kws_eembc.npz"), "tflm", ["--limit", String(KWS_SAMPLES)]);
    expect(bench.record.outputs.sha256).toBe(oracle.outputs_sha256);
    expect(bench.deployment.quality?.value).toBeCloseTo(oracle.top1 ?? -1, 10);
  }, 180_000);

  it.each([
    "cortex-m4",
    "riscv",
  ] as TargetId[])("the engine's int16x8 KWS (Softmax: expf tables at init) on %s: TFLite Micro's output bytes", async (target) => {
    // int16 Softmax fills its exp and 1/(1+x) tables with expf in tml_model_init: the firmware links the C math
    // library (it failed to link on every Arm board when it did not).
    const result = await optimize({
      model: fixture("mlperf-tiny/kws/kws_ref_model_float32.tflite"),
      modelName: "kws_ref_model_float32.tflite",
      dataset: generated("kws_eembc.npz"),
      target,
      precision: "int16x8",
      evaluationLimit: 20,
      calibrationSamples: 100,
    });
    const dir = join(work, `engine-kws-int16x8-${target}`);
    const c = generateC(result.optimized, { runtimeDir: RUNTIME_DIR });
    expect(c.kernels).toContain("tml_softmax_s16");
    await writeGeneratedFiles(c, join(dir, "c"));
    const model = join(dir, "model.tflite");
    await writeFile(model, result.tflite);
    const bench = await benchmark({
      firmwareDir: FIRMWARE_DIR,
      dir,
      target,
      dataset: generated("kws_eembc.npz"),
      limit: KWS_SAMPLES,
    });
    const oracle = await runTflite(model, generatedPath("kws_eembc.npz"), "tflm", ["--limit", String(KWS_SAMPLES)]);
    expect(bench.record.outputs.sha256).toBe(oracle.outputs_sha256);
    expect(bench.deployment.outputsMatchingHost).toBe(KWS_SAMPLES);
    expect(bench.deployment.quality?.value).toBeCloseTo(oracle.top1 ?? -1, 10);
  }, 180_000);

  it.each([
    ["cortex-m4", "default"],
    ["cortex-m4", "ref"],
    ["riscv", "default"],
  ] as [TargetId, "ref" | "default"][])(
    `KWS on %s (%s kernels): output bytes identical to TFLite Micro on ${KWS_SAMPLES} EEMBC inputs`,
    async (target, arch) => {
      const dir = await generatedModel(KWS, `kws-${target}-${arch}`);
      const dataset = generated("kws_eembc.npz");
      const result = await benchmark({
        firmwareDir: FIRMWARE_DIR,
        dir,
        target,
        dataset,
        limit: KWS_SAMPLES,
        ...(arch === "ref" ? { arch } : {}),
      });
      const oracle = await runTflite(`${FIXTURES}/${KWS}`, generatedPath("kws_eembc.npz"), "tflm", [
        "--key",
        "x_int8",
        "--limit",
        String(KWS_SAMPLES),
      ]);
      expect(result.record.outputs.sha256).toBe(oracle.outputs_sha256);
      expect(result.deployment.outputsMatchingHost).toBe(KWS_SAMPLES);
      expect(result.deployment.quality?.value).toBeCloseTo(oracle.top1 ?? -1, 10);
      expect(result.deployment.instructionsPerInference.value).toBeGreaterThan(1e6);
      expect(result.deployment.fits).toBe(true);
      expect(result.deployment.kernels).toBe(arch === "ref" ? "ref" : target === "riscv" ? "rv32im" : "armv7em");
      // The linked code is attributed to model.c and to the kernels it calls (from the linker map).
      const code = result.record.memory.code;
      expect(code?.modelBytes).toBeGreaterThan(0);
      expect(Object.keys(code?.objects ?? {}).sort()).toEqual(
        [
          "model.c",
          "tml_avgpool_s8.c",
          "tml_conv2d_s8.c",
          "tml_depthwise_conv2d_s8.c",
          "tml_fully_connected_s8.c",
          "tml_softmax_s8.c",
        ].map((o) => `${o}.obj`),
      );
      expect(code?.totalBytes).toBe((code?.modelBytes ?? 0) + (code?.kernelBytes ?? 0));
    },
    120_000,
  );

  it.each([
    "cortex-m4",
    "cortex-m7",
  ] as TargetId[])("person_detection on %s: the person image is a person, the other not", async (target) => {
    const dir = await generatedModel(PERSON, `person-${target}`);
    const person = fixture("tflite-micro/person_detection/testdata/person_int8_96x96x1.raw");
    const noPerson = fixture("tflite-micro/person_detection/testdata/no_person_int8_96x96x1.raw");
    const x = new Int8Array(Buffer.concat([person, noPerson]));
    // TFLM's person_detection example: output index 1 is "person", 0 "no person"
    const dataset = npzOf({
      x_int8: { descr: "|i1", shape: [2, 96, 96, 1], data: x },
      y: { descr: "<i8", shape: [2], data: BigInt64Array.from([1n, 0n]) },
    });
    const result = await benchmark({
      firmwareDir: FIRMWARE_DIR,
      dir,
      target,
      dataset,
    });
    expect(result.deployment.quality).toEqual({ metric: "top1", value: 1, samples: 2 });
    expect(result.deployment.outputsMatchingHost).toBe(2);
    await writeFile(join(dir, "person.npz"), dataset);
    const oracle = await runTflite(`${FIXTURES}/${PERSON}`, join(dir, "person.npz"), "tflm", ["--key", "x_int8"]);
    expect(result.record.outputs.sha256).toBe(oracle.outputs_sha256);
  }, 120_000);
});
