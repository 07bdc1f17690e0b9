import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./testing/cli.js";
import { FIXTURES, generatedPath } from "./testing/fixtures.js";
import { npzOf } from "./testing/npz.js";
import { floats, ints, model, node } from "./testing/onnx-models.js";

const work = mkdtempSync(join(tmpdir(), "engine-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("tinyml-engine CLI", () => {
  it.each([
    ["tflite-micro/person_detection/person_detect_vela.tflite", /ethos-u/],
    ["tflite-micro/micro_speech/audio_preprocessor_int8.tflite", /Signal[A-Za-z]+.*Signal[A-Za-z]+/s],
    ["tflite-micro/micro_speech/audio_preprocessor_float.tflite", /Signal[A-Za-z]+/],
  ])("refuses %s before any work, naming its unsupported ops, and writes nothing", async (model, ops) => {
    const out = join(work, model.replace(/\W/g, "_"));
    const r = await runCli([
      "optimize",
      `${FIXTURES}/${model}`,
      "--dataset",
      generatedPath("kws_eembc.npz"),
      "--target",
      "cortex-m4",
      "--quantize",
      "int8",
      "--out",
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error \[UNSUPPORTED_OPS\]/);
    expect(r.stderr).toMatch(ops);
    expect(r.stderr).not.toMatch(/\[calibrate\]/);
    expect(existsSync(out)).toBe(false);
  });

  it("says what is wrong with the arguments (exit 2)", async () => {
    const model = `${FIXTURES}/mlperf-tiny/kws/kws_ref_model_float32.tflite`;
    const noTarget = await runCli(["optimize", model, "--dataset", "d.npz", "--quantize", "int8", "--out", work]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/--target must be one of cortex-m4, cortex-m7, riscv, esp32, stm32, cortex-a/);
    const badPrecision = await runCli([
      "optimize",
      model,
      "--dataset",
      "d.npz",
      "--target",
      "riscv",
      "--quantize",
      "int4",
      "--out",
      work,
    ]);
    expect(badPrecision.stderr).toMatch(/--quantize must be one of int8, int16x8, fp16, mixed/);
    expect((await runCli(["frobnicate"])).stderr).toMatch(/unknown command "frobnicate"/);
  });

  it("refuses a dataset of the wrong shape with what it expected, and writes nothing", async () => {
    const out = join(work, "wrong-dataset");
    const r = await runCli([
      "optimize",
      `${FIXTURES}/tflite-micro/hello_world/hello_world_float.tflite`,
      "--dataset",
      generatedPath("kws_eembc.npz"),
      "--target",
      "cortex-m4",
      "--quantize",
      "int8",
      "--out",
      out,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INVALID_DATASET.*x has shape \(1000, 49, 10, 1\): expected x of shape \(N, 1\)/);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a Conv padded by 2^31 with the clear OVER_LIMITS message: no stack, no ONNX Runtime error", async () => {
    const path = join(work, "conv-pads.onnx");
    writeFileSync(
      path,
      model({
        opset: 13,
        inputs: [["x", [1, 1, 8, 8]]],
        outputs: ["y"],
        initializers: [floats("w", [4, 1, 3, 3])],
        nodes: [node("Conv", ["x", "w"], ["y"], [ints("pads", [2 ** 31, 2 ** 31, 2 ** 31, 2 ** 31])])],
      }),
    );
    const dataset = join(work, "x-1x1x8x8.npz");
    writeFileSync(dataset, npzOf({ x: { descr: "<f4", shape: [4, 1, 8, 8], data: new Float32Array(256) } }));
    const out = join(work, "conv-pads");
    const args = ["--dataset", dataset, "--target", "cortex-m4", "--quantize", "int8", "--emit", "c", "--out", out];
    for (const r of [await runCli(["analyze", path]), await runCli(["optimize", path, ...args])]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^error \[OVER_LIMITS\]: Conv node "Conv_y" \(output "y"\): .*a padding of 2,147,483,648/m,
      );
      expect(r.stderr).not.toMatch(/onnxruntime|safeint|\n\s+at /);
    }
    expect(existsSync(out)).toBe(false);
  });

  it("analyze --json reports the KWS model's figures", async () => {
    const r = await runCli(["analyze", `${FIXTURES}/mlperf-tiny/kws/kws_ref_model_float32.tflite`, "--json"]);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout) as { format: string; params: number; macs: number; peakActivationBytes: number };
    expect(a).toMatchObject({ format: "tflite", params: 22_604, macs: 2_656_768 });
  });

  it("optimize writes model.tflite, model.onnx and report.json and prints a summary", async () => {
    const out = join(work, "hello");
    const r = await runCli([
      "optimize",
      `${FIXTURES}/tflite-micro/hello_world/hello_world_float.tflite`,
      "--dataset",
      generatedPath("hello_world.npz"),
      "--target",
      "riscv",
      "--quantize",
      "int8",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/hello_world_float\.tflite → riscv, int8/);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.target.id).toBe("riscv");
    expect(report.optimized.sizeBytes).toBe(readFileSync(join(out, "model.tflite")).length);
    expect(readFileSync(join(out, "model.onnx")).length).toBeGreaterThan(0);
  });
});
