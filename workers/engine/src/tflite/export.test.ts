import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { floatToHalf, type TensorData } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { QuantParams, Tensor } from "../ir/tensor.js";
import { CheckedBuffer } from "./checked-table.js";
import { exportTflite } from "./export.js";
import { importTflite } from "./import.js";
import { readTflite } from "./reader.js";
import { builtinName, MODEL, OPERATOR_CODE, TENSOR_TYPE } from "./schema.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const FIXTURES = process.env.TINYML_FIXTURES ?? `${ROOT}../shared/fixtures`;
const PYTHON = `${ROOT}.venv/bin/python`;
const RUN_TFLITE = `${ROOT}workers/engine/oracle/run_tflite.py`;
const execFileAsync = promisify(execFile);

interface OracleResult {
  samples: number;
  predictions: number[];
  outputs_sha256: string;
}

async function oracle(model: string, data: string, interpreter: "litert" | "tflm"): Promise<OracleResult> {
  const { stdout } = await execFileAsync(PYTHON, [RUN_TFLITE, model, data, "--interpreter", interpreter], {
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as OracleResult;
}

/** mulberry32 */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds small hand-written graphs: tensors and nodes in order. */
class GraphSketch {
  readonly graph: Graph;
  private readonly rand = random(7);
  constructor(name: string) {
    this.graph = { name, tensors: new Map(), nodes: [], inputs: [], outputs: [] };
  }
  tensor(name: string, dtype: Tensor["dtype"], shape: number[], quant?: QuantParams, data?: TensorData): string {
    this.graph.tensors.set(name, { name, dtype, shape, ...(quant ? { quant } : {}), ...(data ? { data } : {}) });
    return name;
  }
  ints(n: number, lo: number, hi: number): number[] {
    return Array.from({ length: n }, () => lo + Math.floor(this.rand() * (hi - lo + 1)));
  }
  scales(n: number, base: number): number[] {
    return Array.from({ length: n }, () => Math.fround(base * (0.5 + this.rand())));
  }
  node(node: Node): void {
    this.graph.nodes.push(node);
  }
}

const perTensor = (scale: number, zeroPoint: number): QuantParams => ({
  scale: [Math.fround(scale)],
  zeroPoint: [zeroPoint],
});

/**
 * An int8 network in the TFLite int8 scheme: conv 3×3 (SAME, relu) → depthwise 3×3 stride 2 (SAME, relu6) →
 * reshape → fully connected → softmax, per-channel weights, int32 biases at input × weight scale.
 */
function int8Network(): Graph {
  const s = new GraphSketch("tiny_int8");
  const xq = perTensor(1 / 255, -128);
  s.graph.inputs = [s.tensor("x", "int8", [1, 8, 8, 3], xq)];
  const convScales = s.scales(4, 0.01);
  s.tensor(
    "conv/w",
    "int8",
    [4, 3, 3, 3],
    { scale: convScales, zeroPoint: [0, 0, 0, 0], axis: 0 },
    Int8Array.from(s.ints(108, -127, 127)),
  );
  s.tensor(
    "conv/b",
    "int32",
    [4],
    { scale: convScales.map((w) => Math.fround(w / 255)), zeroPoint: [0, 0, 0, 0], axis: 0 },
    Int32Array.from(s.ints(4, -500, 500)),
  );
  s.tensor("conv", "int8", [1, 8, 8, 4], perTensor(0.05, -128));
  s.node({
    name: "conv",
    op: "Conv2D",
    inputs: ["x", "conv/w", "conv/b"],
    outputs: ["conv"],
    attrs: { strides: [1, 1], dilations: [1, 1], padding: "same", activation: "relu", layout: "NHWC" },
  });
  const dwScales = s.scales(4, 0.02);
  s.tensor(
    "dw/w",
    "int8",
    [1, 3, 3, 4],
    { scale: dwScales, zeroPoint: [0, 0, 0, 0], axis: 3 },
    Int8Array.from(s.ints(36, -127, 127)),
  );
  s.tensor(
    "dw/b",
    "int32",
    [4],
    { scale: dwScales.map((w) => Math.fround(w * Math.fround(0.05))), zeroPoint: [0, 0, 0, 0], axis: 0 },
    Int32Array.from(s.ints(4, -200, 200)),
  );
  s.tensor("dw", "int8", [1, 4, 4, 4], perTensor(0.04, -128));
  s.node({
    name: "dw",
    op: "DepthwiseConv2D",
    inputs: ["conv", "dw/w", "dw/b"],
    outputs: ["dw"],
    attrs: {
      strides: [2, 2],
      dilations: [1, 1],
      padding: "same",
      activation: "relu6",
      layout: "NHWC",
      depthMultiplier: 1,
    },
  });
  s.tensor("flat", "int8", [1, 64], perTensor(0.04, -128));
  s.node({ name: "flat", op: "Reshape", inputs: ["dw"], outputs: ["flat"], attrs: { shape: [1, 64] } });
  s.tensor("fc/w", "int8", [10, 64], perTensor(0.01, 0), Int8Array.from(s.ints(640, -127, 127)));
  s.tensor("fc/b", "int32", [10], perTensor(0.01 * 0.04, 0), Int32Array.from(s.ints(10, -1000, 1000)));
  s.tensor("logits", "int8", [1, 10], perTensor(0.1, 0));
  s.node({
    name: "fc",
    op: "FullyConnected",
    inputs: ["flat", "fc/w", "fc/b"],
    outputs: ["logits"],
    attrs: { activation: "none", keepNumDims: false },
  });
  s.tensor("probs", "int8", [1, 10], perTensor(1 / 256, -128));
  s.node({ name: "softmax", op: "Softmax", inputs: ["logits"], outputs: ["probs"], attrs: { beta: 1 } });
  s.graph.outputs = ["probs"];
  return s.graph;
}

/** The same shape of network in TFLite's 16x8 mode: int16 activations (zero point 0), int8 weights, int64 biases. */
function int16x8Network(): Graph {
  const s = new GraphSketch("tiny_int16x8");
  s.graph.inputs = [s.tensor("x", "int16", [1, 8, 8, 3], perTensor(1 / 32767, 0))];
  const convScales = s.scales(4, 0.01);
  s.tensor(
    "conv/w",
    "int8",
    [4, 3, 3, 3],
    { scale: convScales, zeroPoint: [0, 0, 0, 0], axis: 0 },
    Int8Array.from(s.ints(108, -127, 127)),
  );
  s.tensor(
    "conv/b",
    "int64",
    [4],
    { scale: convScales.map((w) => Math.fround(w / 32767)), zeroPoint: [0, 0, 0, 0], axis: 0 },
    BigInt64Array.from(s.ints(4, -5000, 5000).map(BigInt)),
  );
  s.tensor("conv", "int16", [1, 6, 6, 4], perTensor(2 / 32767, 0));
  s.node({
    name: "conv",
    op: "Conv2D",
    inputs: ["x", "conv/w", "conv/b"],
    outputs: ["conv"],
    attrs: { strides: [1, 1], dilations: [1, 1], padding: "valid", activation: "relu", layout: "NHWC" },
  });
  s.tensor("flat", "int16", [1, 144], perTensor(2 / 32767, 0));
  s.node({ name: "flat", op: "Reshape", inputs: ["conv"], outputs: ["flat"], attrs: { shape: [1, 144] } });
  s.tensor(
    "fc/w",
    "int8",
    [5, 144],
    { scale: s.scales(5, 0.01), zeroPoint: [0, 0, 0, 0, 0], axis: 0 },
    Int8Array.from(s.ints(720, -127, 127)),
  );
  s.tensor("logits", "int16", [1, 5], perTensor(8 / 32767, 0));
  s.node({
    name: "fc",
    op: "FullyConnected",
    inputs: ["flat", "fc/w"],
    outputs: ["logits"],
    attrs: { activation: "none", keepNumDims: false },
  });
  s.tensor("probs", "int16", [1, 5], perTensor(1 / 32768, 0));
  s.node({ name: "softmax", op: "Softmax", inputs: ["logits"], outputs: ["probs"], attrs: { beta: 1 } });
  s.graph.outputs = ["probs"];
  return s.graph;
}

/** fp16 weights: float16 constants dequantized to float32 for a float fully connected layer. */
function fp16Network(): Graph {
  const s = new GraphSketch("tiny_fp16");
  s.graph.inputs = [s.tensor("x", "float32", [1, 8, 8, 3])];
  s.tensor("flat", "float32", [1, 192]);
  s.node({ name: "flat", op: "Reshape", inputs: ["x"], outputs: ["flat"], attrs: { shape: [1, 192] } });
  const halves = (n: number) => Uint16Array.from(s.ints(n, -100, 100), (v) => floatToHalf(v / 100));
  s.tensor("fc/w16", "float16", [6, 192], undefined, halves(6 * 192));
  s.tensor("fc/w", "float32", [6, 192]);
  s.node({ name: "dequantize", op: "Dequantize", inputs: ["fc/w16"], outputs: ["fc/w"], attrs: {} });
  s.tensor("y", "float32", [1, 6]);
  s.node({
    name: "fc",
    op: "FullyConnected",
    inputs: ["flat", "fc/w"],
    outputs: ["y"],
    attrs: { activation: "relu", keepNumDims: false },
  });
  s.graph.outputs = ["y"];
  return s.graph;
}

const codesOf = (bytes: Uint8Array) =>
  Object.fromEntries(readTflite(bytes).operatorCodes.map((c) => [builtinName(c.builtinCode), c.version]));

let work: string;
let samples: string;

beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run ops/setup`);
  work = mkdtempSync(join(tmpdir(), "tflite-export-"));
  samples = join(work, "x.npz");
  await execFileAsync(PYTHON, [
    "-c",
    "import sys, numpy as np; np.savez(sys.argv[1], x=np.random.default_rng(1).uniform(0, 1, (64, 8, 8, 3)).astype(np.float32))",
    samples,
  ]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("exportTflite: the file's structure", () => {
  it("writes schema 3, an empty buffer 0, 16-byte aligned buffers and the TFL3 identifier", () => {
    const bytes = exportTflite(int8Network());
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe("TFL3");
    const model = readTflite(bytes);
    expect(model.version).toBe(3);
    expect(model.buffers[0]?.data.length).toBe(0);
    const withData = model.buffers.filter((b) => b.data.length > 0);
    // conv w/b, dw w/b, fc w/b, and the reshape's shape constant
    expect(withData).toHaveLength(7);
    for (const b of withData) expect(b.data.byteOffset % 16).toBe(0);
  });

  it("writes one operator code per builtin, both code fields, with the converter's int8 versions", () => {
    const bytes = exportTflite(int8Network());
    expect(codesOf(bytes)).toEqual({ CONV_2D: 3, DEPTHWISE_CONV_2D: 3, RESHAPE: 1, FULLY_CONNECTED: 4, SOFTMAX: 2 });
    // Both code fields are present in every OperatorCode table, and agree (all these codes are below 127).
    const codes = new CheckedBuffer(bytes).root("model").tables(MODEL.operatorCodes, "operator_codes") ?? [];
    expect(codes).toHaveLength(5);
    for (const c of codes) {
      expect(c.has(OPERATOR_CODE.deprecatedBuiltinCode) && c.has(OPERATOR_CODE.builtinCode)).toBe(true);
      expect(c.int8(OPERATOR_CODE.deprecatedBuiltinCode, -1)).toBe(c.int32(OPERATOR_CODE.builtinCode, -2));
    }
  });

  it("writes per-axis quantization with its dimension, and RESHAPE with its shape as an int32 constant input", () => {
    const model = readTflite(exportTflite(int8Network()));
    const sg = model.subgraphs[0];
    const byName = (n: string) => sg?.tensors.find((t) => t.name === n);
    expect(byName("conv/w")?.quantization).toMatchObject({ quantizedDimension: 0 });
    expect(byName("conv/w")?.quantization?.scale).toHaveLength(4);
    expect(byName("dw/w")?.quantization).toMatchObject({ quantizedDimension: 3 });
    expect(byName("x")?.quantization).toMatchObject({ scale: [Math.fround(1 / 255)], zeroPoint: [-128] });
    const reshape = sg?.operators.find(
      (op) => builtinName(model.operatorCodes[op.opcodeIndex]?.builtinCode ?? -1) === "RESHAPE",
    );
    expect(reshape?.inputs).toHaveLength(2);
    const shape = sg?.tensors[reshape?.inputs[1] as number];
    expect(shape?.type).toBe(TENSOR_TYPE.INT32);
    expect(
      Array.from(new Int32Array(model.buffers[shape?.buffer as number]?.data.slice().buffer as ArrayBuffer)),
    ).toEqual([1, 64]);
    expect(reshape?.builtinOptions).toEqual({ newShape: [1, 64] });
  });

  it("re-importing an export gives back the same graph (int8, int16x8, fp16)", () => {
    for (const graph of [int8Network(), int16x8Network(), fp16Network()]) {
      const back = importTflite(exportTflite(graph), graph.name);
      expect(back.nodes.map((n) => [n.op, n.inputs, n.outputs, n.attrs])).toEqual(
        graph.nodes.map((n) => [n.op, n.inputs, n.outputs, n.attrs]),
      );
      expect(back.inputs).toEqual(graph.inputs);
      expect(back.outputs).toEqual(graph.outputs);
      expect(back.tensors).toEqual(graph.tensors);
    }
  });

  it("gives int16x8 and fp16 ops their versions (CONV_2D 4, SOFTMAX 3, DEQUANTIZE of float16 3)", () => {
    // FULLY_CONNECTED: op_version.cc has no int16x8 rule; without a bias it is written [x, w, -1], version 1.
    expect(codesOf(exportTflite(int16x8Network()))).toEqual({ CONV_2D: 4, RESHAPE: 1, FULLY_CONNECTED: 1, SOFTMAX: 3 });
    expect(codesOf(exportTflite(fp16Network()))).toEqual({ RESHAPE: 1, DEQUANTIZE: 3, FULLY_CONNECTED: 1 });
  });

  it("sets the versions the TensorFlow converter wrote in the fixture models", () => {
    for (const path of [
      "mlperf-tiny/kws/kws_ref_model.tflite",
      "mlperf-tiny/ad/ad01_int8.tflite",
      "mlperf-tiny/sww/str_ww_ref_model.tflite",
      "tflite-micro/hello_world/hello_world_int8.tflite",
      "tflite-micro/micro_speech/micro_speech_quantized.tflite",
    ]) {
      const original = readFileSync(`${FIXTURES}/${path}`);
      expect(codesOf(exportTflite(importTflite(original, path))), path).toEqual(codesOf(original));
    }
  });

  it("refuses, together and by name, ops TFLite export does not take", () => {
    const g = int8Network();
    g.nodes.push(
      {
        name: "bn",
        op: "BatchNorm",
        inputs: ["probs", "fc/b", "fc/b", "fc/b", "fc/b"],
        outputs: ["bn"],
        attrs: { epsilon: 1e-5, layout: "NHWC" },
      },
      { name: "clip", op: "Clip", inputs: ["bn"], outputs: ["clip"], attrs: { min: -2, max: 3 } },
    );
    g.tensors.set("bn", { name: "bn", dtype: "int8", shape: [1, 10] });
    g.tensors.set("clip", { name: "clip", dtype: "int8", shape: [1, 10] });
    const conv = g.nodes[0] as Node & { attrs: { layout: string } };
    conv.attrs.layout = "NCHW";
    try {
      exportTflite(g);
      throw new Error("exported");
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).code).toBe("UNSUPPORTED_OPS");
      expect((e as EngineError).details.ops).toEqual([
        "Conv2D (NCHW layout: run nchwToNhwc first)",
        "BatchNorm",
        "Clip (-2, 3)",
      ]);
    }
  });
});

describe("exportTflite: the files run", () => {
  it("the int8 network loads and runs in TFLite and TFLite Micro, which agree", async () => {
    const path = join(work, "int8.tflite");
    writeFileSync(path, exportTflite(int8Network()));
    const [litert, tflm] = await Promise.all([oracle(path, samples, "litert"), oracle(path, samples, "tflm")]);
    expect(litert.samples).toBe(64);
    expect(tflm.samples).toBe(64);
    expect(tflm.predictions).toEqual(litert.predictions);
    expect(new Set(litert.predictions).size).toBeGreaterThan(1); // the network computes something input-dependent
  }, 60_000);

  it("the int16x8 network runs in both interpreters; the fp16 network in TFLite", async () => {
    const int16 = join(work, "int16x8.tflite");
    const fp16 = join(work, "fp16.tflite");
    writeFileSync(int16, exportTflite(int16x8Network()));
    writeFileSync(fp16, exportTflite(fp16Network()));
    const [a, b, c] = await Promise.all([
      oracle(int16, samples, "litert"),
      oracle(int16, samples, "tflm"),
      oracle(fp16, samples, "litert"),
    ]);
    expect(a.samples).toBe(64);
    expect(b.predictions).toEqual(a.predictions);
    expect(c.samples).toBe(64);
    expect(new Set(c.predictions).size).toBeGreaterThan(1);
  }, 60_000);

  it("explicit convolution padding is SAME where it equals it, else PAD + VALID convolution", async () => {
    // 3×3 stride 1 SAME pads [1, 1, 1, 1]: written explicitly, the export is the very file SAME gives.
    const explicit = int8Network();
    const conv = explicit.nodes[0] as Node & { attrs: { padding: unknown } };
    conv.attrs.padding = [1, 1, 1, 1];
    expect(exportTflite(explicit)).toEqual(exportTflite(int8Network()));
    // An asymmetric padding no SAME gives: [0, 0, 2, 2] → PAD then VALID conv; compare with an explicit Pad node.
    conv.attrs.padding = [0, 0, 2, 2];
    const padded = int8Network();
    const c0 = padded.nodes[0] as Node & { attrs: { padding: unknown }; inputs: string[] };
    padded.tensors.set("x_pad", {
      name: "x_pad",
      dtype: "int8",
      shape: [1, 10, 10, 3],
      quant: perTensor(1 / 255, -128),
    });
    padded.nodes.unshift({
      name: "pad",
      op: "Pad",
      inputs: ["x"],
      outputs: ["x_pad"],
      attrs: {
        pads: [
          [0, 0],
          [0, 2],
          [0, 2],
          [0, 0],
        ],
        value: 0,
      },
    });
    c0.inputs[0] = "x_pad";
    c0.attrs.padding = "valid";
    const a = join(work, "explicit.tflite");
    const b = join(work, "padded.tflite");
    const explicitBytes = exportTflite(explicit);
    expect(codesOf(explicitBytes)).toMatchObject({ PAD: 2, CONV_2D: 3 });
    writeFileSync(a, explicitBytes);
    writeFileSync(b, exportTflite(padded));
    const [ra, rb] = await Promise.all([oracle(a, samples, "litert"), oracle(b, samples, "litert")]);
    expect(ra.outputs_sha256).toBe(rb.outputs_sha256);
  }, 60_000);
});
