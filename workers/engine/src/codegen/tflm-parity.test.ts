import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { datasetFromNpz } from "../dataset/dataset.js";
import { parseNpz } from "../dataset/npz.js";
import type { Graph } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { optimize } from "../optimize.js";
import { FIXTURES, fixture, generated, generatedPath, REPO_ROOT, RUNTIME_DIR, runTflite } from "../testing/fixtures.js";
import { exportTflite } from "../tflite/index.js";
import { type GeneratedC, generateC } from "./generate.js";
import { buildHost, dequantizeOutputs, quantizeSamples } from "./host-build.js";
import { exec, imported, scratchSpace, sha256 } from "./test-support.js";

/**
 * Each runtime kernel, as the generated C calls it, gives TensorFlow Lite Micro's output bytes (its reference
 * kernels through oracle/run_tflite.py) on models that exercise it: the codegen zoo, real models, and the edge
 * cases of in-place reshapes, shared quantization and broadcasting.
 */

const { work, builds } = scratchSpace("engine-codegen-tflm-");
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
      const c = generateC(await imported(readFileSync(model), `codegen_zoo_${precision}`), { runtimeDir: RUNTIME_DIR });
      expect(c.kernels.filter((k) => k !== "tml_gen_lut_s16")).toHaveLength(kernels);
      const host = await buildHost(c, { workDir: work });
      builds.push(host);
      // Inputs spread a little past the calibration range (uniform in ±1), so clamps and saturation are hit too.
      const inputs = join(work, "codegen_zoo_inputs.npz");
      await exec(`${REPO_ROOT}.venv/bin/python`, [
        "-c",
        `import numpy as np; np.savez("${inputs}", x=(np.random.default_rng(1).uniform(-1.25, 1.25, (200, 12, 10, 3))).astype(np.float32))`,
      ]);
      const data = await datasetFromNpz(readFileSync(inputs), c.input.shape);
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
    const graph = await imported(readFileSync(model), "codegen_zoo_int8_float_io");
    expect(graph.nodes[0]?.op).toBe("Quantize");
    expect(graph.nodes.at(-1)?.op).toBe("Dequantize");
    const c = generateC(graph, { runtimeDir: RUNTIME_DIR });
    expect(c.input.dtype).toBe("int8");
    expect(c.kernels).not.toContain("tml_quantize_f32_s8");
    // The converter's default per-channel fully connected weights.
    expect(c.kernels).toContain("tml_fully_connected_per_channel_s8");
    const host = await buildHost(c, { workDir: work });
    builds.push(host);
    const inputs = join(work, "codegen_zoo_inputs_float_io.npz");
    await exec(`${REPO_ROOT}.venv/bin/python`, [
      "-c",
      `import numpy as np; np.savez("${inputs}", x=(np.random.default_rng(2).uniform(-1.25, 1.25, (200, 12, 10, 3))).astype(np.float32))`,
    ]);
    const data = await datasetFromNpz(readFileSync(inputs), c.input.shape);
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
    const c = generateC(await imported(readFileSync(model), "micro_speech"), { runtimeDir: RUNTIME_DIR });
    const host = await buildHost(c, { workDir: work });
    builds.push(host);
    const x = (await parseNpz(readFileSync(npz))).get("x")?.data as Int8Array;
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
      emitC: { runtimeDir: RUNTIME_DIR, workDir: work },
    });
    const c = result.c as GeneratedC;
    const model = join(work, "ad-int8.tflite");
    writeFileSync(model, result.tflite);
    const tflm = await runTflite(model, generatedPath("ad_windows.npz"), "tflm");
    const host = await buildHost(c, { workDir: work });
    builds.push(host);
    const data = await datasetFromNpz(generated("ad_windows.npz"), c.input.shape);
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
    const c = generateC(await imported(readFileSync(model), "person_detect"), { runtimeDir: RUNTIME_DIR });
    const host = await buildHost(c, { workDir: work });
    builds.push(host);
    const x = (await parseNpz(readFileSync(npz))).get("x")?.data as Int8Array;
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
    const host = await buildHost(c, { workDir: work });
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
    const host = await buildHost(c, { workDir: work });
    builds.push(host);
    const x = (await parseNpz(readFileSync(npz))).get("x")?.data as Int8Array;
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
      const host = await buildHost(c, { workDir: work });
      builds.push(host);
      const x = (await parseNpz(readFileSync(npz))).get("x")?.data as Int8Array;
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
      const host = await buildHost(c, { workDir: work });
      builds.push(host);
      const x = (await parseNpz(readFileSync(npz))).get("x")?.data as Int8Array | Int16Array;
      const outputs = await host.runRaw(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
      expect(sha256(outputs)).toBe((await runTflite(model, npz, "tflm")).outputs_sha256);
    }, 60_000);
  }
});
