import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OptimizeResult, optimize } from "./optimize.js";
import { OptimizationReportSchema } from "./report.js";
import { fixture, generated, generatedPath, runTflite } from "./testing/fixtures.js";

/**
 * The Engine issue's acceptance on real public models: each optimization runs the whole pipeline
 * (import, passes, calibration, quantization, export, ONNX Runtime evaluation), and the exported .tflite is
 * checked independently in TensorFlow Lite (ai-edge-litert) and TensorFlow Lite Micro.
 */
const work = mkdtempSync(join(tmpdir(), "engine-acceptance-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const save = (name: string, bytes: Uint8Array) => {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
};

const kwsFloat = () => fixture("mlperf-tiny/kws/kws_ref_model_float32.tflite");
let kwsInt8: OptimizeResult;

beforeAll(async () => {
  kwsInt8 = await optimize({
    model: kwsFloat(),
    modelName: "kws_ref_model_float32.tflite",
    dataset: generated("kws_eembc.npz"),
    target: "cortex-m4",
    precision: "int8",
  });
}, 300_000);

describe("KWS (MLPerf Tiny DS-CNN), 1000 EEMBC inputs", () => {
  it("int8: top-1 ≥ 89.7 % and model.tflite ≤ 60 KB; the report holds the required fields", () => {
    const r = OptimizationReportSchema.parse(kwsInt8.report);
    expect(r.optimized.quality?.metric).toBe("top1");
    expect(r.optimized.quality?.samples).toBe(1000);
    expect(r.optimized.quality?.value).toBeGreaterThanOrEqual(0.897);
    expect(r.optimized.sizeBytes).toBe(kwsInt8.tflite.length);
    expect(kwsInt8.tflite.length).toBeLessThanOrEqual(60 * 1024);
    // Counted by hand from the DS-CNN's layers (batch norm folded into the convolutions):
    // conv 10×4×1×64 + 64; 4 × (depthwise 3×3×64 + 64, pointwise 64×64 + 64); dense 64×12 + 12.
    expect(r.model.params).toBe(2624 + 4 * (640 + 4160) + 780);
    // MACs: conv 25×5×64×40; 4 × (depthwise 25×5×64×9 + pointwise 25×5×64×64); dense 64×12.
    expect(r.model.macs).toBe(320_000 + 4 * (72_000 + 512_000) + 768);
    expect(
      r.optimized.layers
        .filter((l) => l.op === "Conv2D" || l.op === "DepthwiseConv2D")
        .every((l) => l.precision === "int8"),
    ).toBe(true);
    expect(r.optimized.fidelity.top1Agreement).toBeGreaterThan(0.95);
    expect(r.optimized.fidelity.sqnrDb).toBeGreaterThan(20);
  });

  it("the exported int8 model runs in TFLite Micro and ai-edge-litert, top-1 within 0.5 points of the report", async () => {
    const model = save("kws-int8.tflite", kwsInt8.tflite);
    const reported = kwsInt8.report.optimized.quality?.value as number;
    for (const interpreter of ["tflm", "litert"] as const) {
      const result = await runTflite(model, generatedPath("kws_eembc.npz"), interpreter);
      expect(result.samples).toBe(1000);
      expect(Math.abs((result.top1 as number) - reported), interpreter).toBeLessThanOrEqual(0.005);
    }
  }, 120_000);

  it("ONNX path: the same network exported to ONNX and quantized to int8 scores within 0.5 points of the TFLite path", async () => {
    const viaOnnx = await optimize({
      model: generated("kws_tflite.onnx"),
      modelName: "kws_tflite.onnx",
      dataset: generated("kws_eembc.npz"),
      target: "cortex-m4",
      precision: "int8",
    });
    expect(viaOnnx.report.model.format).toBe("onnx");
    const a = viaOnnx.report.optimized.quality?.value as number;
    const b = kwsInt8.report.optimized.quality?.value as number;
    expect(Math.abs(a - b)).toBeLessThanOrEqual(0.005);
  }, 300_000);

  it("mixed under a size budget: per-layer precisions, quality ≥ the int8 result, size ≤ budget", async () => {
    const budget = kwsInt8.tflite.length + 2048;
    const mixed = await optimize({
      model: kwsFloat(),
      modelName: "kws_ref_model_float32.tflite",
      dataset: generated("kws_eembc.npz"),
      target: "cortex-m4",
      precision: "mixed",
      sizeBudget: { bytes: budget, option: "--size-budget-kb", whenOver: "refuse" },
    });
    const r = mixed.report;
    expect(r.optimized.sizeBytes).toBeLessThanOrEqual(budget);
    expect(r.optimized.quality?.value as number).toBeGreaterThanOrEqual(
      kwsInt8.report.optimized.quality?.value as number,
    );
    expect(r.optimized.layers.length).toBe(r.optimized.layers.length);
    expect(new Set(r.optimized.layers.map((l) => l.precision)).size).toBeGreaterThanOrEqual(1);
    expect(r.mixed?.sensitivities.length).toBeGreaterThan(5);
    // Every promoted layer is listed as int16x8 in the report.
    for (const name of r.mixed?.promoted ?? []) {
      expect(r.optimized.layers.find((l) => l.name === name)?.precision).toBe("int16x8");
    }
  }, 300_000);

  const quick = { model: kwsFloat(), modelName: "kws.tflite", dataset: generated("kws_eembc.npz") } as const;
  const small = { evaluationLimit: 50, calibrationSamples: 50, target: "cortex-m4" } as const;

  it("a budget below the smallest model is refused with the sizes, in KB of 1000 bytes, naming the caller's option", async () => {
    const sizeBudget = { bytes: 20_000, option: "--size-budget-kb", whenOver: "note" } as const;
    const failure = await optimize({ ...quick, ...small, precision: "mixed", sizeBudget }).catch((e) => e);
    expect(failure).toMatchObject({ code: "UNSATISFIABLE", details: { budgetBytes: 20_000 } });
    const int8Bytes = failure.details.sizeBytes as number;
    expect(failure.message).toBe(
      `the smallest mixed-precision model (all int8) is ${(int8Bytes / 1000).toFixed(1)} KB (${int8Bytes} bytes), over --size-budget-kb 20 (20000 bytes): raise --size-budget-kb or prune the model`,
    );
    expect(int8Bytes).toBeGreaterThan(20_000);
  }, 300_000);

  it("an int8 model over the budget is refused, or kept with a note in the report when the caller asks", async () => {
    const budget = { bytes: 40_000, option: "target_size_kb" };
    const kept = await optimize({ ...quick, ...small, precision: "int8", sizeBudget: { ...budget, whenOver: "note" } });
    const size = kept.tflite.length;
    const over = `the int8 model is ${(size / 1000).toFixed(1)} KB (${size} bytes), over target_size_kb 40 (40000 bytes)`;
    expect(kept.report.notes).toEqual([over]);
    const refused = await optimize({
      ...quick,
      ...small,
      precision: "int8",
      sizeBudget: { ...budget, whenOver: "refuse" },
    })
      .then(() => null)
      .catch((e) => e);
    expect(refused).toMatchObject({ code: "UNSATISFIABLE", details: { sizeBytes: size, budgetBytes: 40_000 } });
    expect(refused?.message).toBe(`${over}: raise target_size_kb or prune the model`);
    expect(kept.report.optimized.sizeBudgetBytes).toBe(40_000);
  }, 300_000);
});

describe("other fixture models", () => {
  it("AD autoencoder: int8 reconstruction MSE within 10 % of float on the clip's windows", async () => {
    const ad = await optimize({
      model: fixture("mlperf-tiny/ad/ad01_fp32.tflite"),
      modelName: "ad01_fp32.tflite",
      dataset: generated("ad_windows.npz"),
      target: "cortex-m4",
      precision: "int8",
    });
    const base = ad.report.baseline.quality;
    const opt = ad.report.optimized.quality;
    expect(base?.metric).toBe("mse");
    expect(opt?.samples).toBe(196);
    expect(Math.abs((opt?.value as number) - (base?.value as number)) / (base?.value as number)).toBeLessThanOrEqual(
      0.1,
    );
    // The same holds for the exported model in TFLite Micro.
    const tflm = await runTflite(save("ad-int8.tflite", ad.tflite), generatedPath("ad_windows.npz"), "tflm");
    expect(Math.abs((tflm.mse as number) - (base?.value as number)) / (base?.value as number)).toBeLessThanOrEqual(0.1);
  }, 300_000);

  it("hello_world: int8 within the 0.05 tolerance of its test at x = 0, 1, 3, 5 (in TFLite Micro)", async () => {
    const hw = await optimize({
      model: fixture("tflite-micro/hello_world/hello_world_float.tflite"),
      modelName: "hello_world_float.tflite",
      dataset: generated("hello_world.npz"),
      target: "cortex-m4",
      precision: "int8",
    });
    const path = save("hw-int8.tflite", hw.tflite);
    const outputs = join(work, "hw-outputs.npy");
    await runTflite(path, generatedPath("hello_world.npz"), "tflm", ["--limit", "4", "--dump-outputs", outputs]);
    const { parseNpy } = await import("./dataset/npy.js");
    const { readFileSync } = await import("node:fs");
    const y = parseNpy(readFileSync(outputs)).data as Float32Array;
    [0, 1, 3, 5].forEach((x, i) => {
      expect(Math.abs(Math.sin(x) - (y[i] as number)), `x = ${x}`).toBeLessThanOrEqual(0.05);
    });
  }, 300_000);

  it("int16x8 (in TFLite Micro) and fp16 (in TFLite: TFLM has no float16 DEQUANTIZE) KWS models keep their quality", async () => {
    for (const [precision, interpreter] of [
      ["int16x8", "tflm"],
      ["fp16", "litert"],
    ] as const) {
      const r = await optimize({
        model: kwsFloat(),
        modelName: "kws_ref_model_float32.tflite",
        dataset: generated("kws_eembc.npz"),
        target: "cortex-m4",
        precision,
        evaluationLimit: 200,
      });
      const run = await runTflite(
        save(`kws-${precision}.tflite`, r.tflite),
        generatedPath("kws_eembc.npz"),
        interpreter,
      );
      expect(run.top1 as number, precision).toBeGreaterThan(0.88);
      expect(r.report.optimized.quality?.value as number, precision).toBeGreaterThan(0.88);
    }
  }, 300_000);
});
