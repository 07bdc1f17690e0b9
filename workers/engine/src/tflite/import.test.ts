import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { cloneGraph, type Graph, tensorOf } from "../ir/graph.js";
import { inferShapes } from "../ir/shape-inference.js";
import { verifyGraph } from "../ir/verify.js";
import { importTflite } from "./import.js";

const FIXTURES =
  process.env.TINYML_FIXTURES ?? fileURLToPath(new URL("../../../../../shared/fixtures/", import.meta.url));
const load = (path: string): Graph => importTflite(readFileSync(`${FIXTURES}/${path}`), path);

const opCounts = (g: Graph): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const n of g.nodes) counts[n.op] = (counts[n.op] ?? 0) + 1;
  return counts;
};

/** Every imported graph must verify, and shape inference from its inputs must give back the file's shapes. */
function expectConsistent(g: Graph): void {
  verifyGraph(g);
  const inferred = cloneGraph(g);
  for (const n of inferred.nodes) for (const o of n.outputs) tensorOf(inferred, o).shape = [];
  inferShapes(inferred);
  for (const n of g.nodes) {
    for (const o of n.outputs) expect(tensorOf(inferred, o).shape, o).toEqual(tensorOf(g, o).shape);
  }
}

const f32 = (x: number) => Math.fround(x);

describe("importTflite: fixture models", () => {
  it("kws int8 (MLPerf Tiny DS-CNN): ops, shapes, per-tensor and per-axis quantization, constants", () => {
    const g = load("mlperf-tiny/kws/kws_ref_model.tflite");
    expectConsistent(g);
    expect(opCounts(g)).toEqual({
      Conv2D: 5,
      DepthwiseConv2D: 4,
      AveragePool2D: 1,
      Reshape: 1,
      FullyConnected: 1,
      Softmax: 1,
    });
    const input = tensorOf(g, g.inputs[0] as string);
    expect(input).toMatchObject({ dtype: "int8", shape: [1, 49, 10, 1] });
    expect(input.quant).toEqual({ scale: [f32(0.5847029)], zeroPoint: [83] });
    const output = tensorOf(g, g.outputs[0] as string);
    expect(output).toMatchObject({ dtype: "int8", shape: [1, 12], quant: { scale: [1 / 256], zeroPoint: [-128] } });

    const conv = g.nodes[0];
    expect(conv?.op).toBe("Conv2D");
    expect(conv?.attrs).toEqual({
      strides: [2, 2],
      dilations: [1, 1],
      padding: "same",
      activation: "relu",
      layout: "NHWC",
    });
    const weights = tensorOf(g, conv?.inputs[1] as string);
    expect(weights).toMatchObject({ dtype: "int8", shape: [64, 10, 4, 1] });
    expect(weights.data).toBeInstanceOf(Int8Array);
    expect(weights.data?.length).toBe(64 * 10 * 4);
    expect(weights.quant?.scale).toHaveLength(64);
    expect(weights.quant?.axis).toBe(0);
    expect(weights.quant?.scale[0]).toBe(f32(0.001331845));
    const bias = tensorOf(g, conv?.inputs[2] as string);
    expect(bias).toMatchObject({ dtype: "int32", shape: [64] });
    expect(bias.data).toBeInstanceOf(Int32Array);

    const depthwise = g.nodes[1];
    expect(depthwise?.attrs).toMatchObject({ depthMultiplier: 1, padding: "same", strides: [1, 1] });
    const dwWeights = tensorOf(g, depthwise?.inputs[1] as string);
    expect(dwWeights.shape).toEqual([1, 3, 3, 64]);
    expect(dwWeights.quant?.axis).toBe(3);
    expect(dwWeights.quant?.scale[0]).toBe(f32(0.008551519));

    const reshape = g.nodes.find((n) => n.op === "Reshape");
    expect(reshape?.attrs).toEqual({ shape: [-1, 64] });
    expect(reshape?.inputs).toHaveLength(1); // the shape constant became the attribute
    expect(g.nodes.find((n) => n.op === "AveragePool2D")?.attrs).toMatchObject({ filter: [25, 5], padding: "valid" });
    // Only tensors the graph uses: 1 input + 13 outputs + 20 weights/biases (the reshape constant is gone).
    expect(g.tensors.size).toBe(34);
  });

  it("kws float32 is a hybrid model: its int8 convolution weights become explicit Dequantize nodes", () => {
    const g = load("mlperf-tiny/kws/kws_ref_model_float32.tflite");
    expectConsistent(g);
    expect(opCounts(g)).toMatchObject({ Dequantize: 5, Conv2D: 5, DepthwiseConv2D: 4, FullyConnected: 1 });
    expect(tensorOf(g, g.inputs[0] as string)).toMatchObject({ dtype: "float32", shape: [1, 49, 10, 1] });
    for (const conv of g.nodes.filter((n) => n.op === "Conv2D")) {
      const w = tensorOf(g, conv.inputs[1] as string);
      expect(w.dtype).toBe("float32");
      const dq = g.nodes.find((n) => n.outputs[0] === w.name);
      expect(dq?.op).toBe("Dequantize");
      expect(tensorOf(g, dq?.inputs[0] as string)).toMatchObject({ dtype: "int8" });
    }
  });

  it("ad01 int8 and fp32: ten fully connected layers, 640 → 640", () => {
    for (const [path, dtype] of [
      ["mlperf-tiny/ad/ad01_int8.tflite", "int8"],
      ["mlperf-tiny/ad/ad01_fp32.tflite", "float32"],
    ] as const) {
      const g = load(path);
      expectConsistent(g);
      expect(opCounts(g)).toEqual({ FullyConnected: 10 });
      expect(tensorOf(g, g.inputs[0] as string)).toMatchObject({ dtype, shape: [1, 640] });
      expect(tensorOf(g, g.outputs[0] as string)).toMatchObject({ dtype, shape: [1, 640] });
      expect(g.nodes.map((n) => (n.attrs as { activation: string }).activation)).toEqual([
        ...Array(9).fill("relu"),
        "none",
      ]);
      expect(tensorOf(g, g.nodes[0]?.inputs[1] as string).shape).toEqual([128, 640]);
    }
    const int8 = load("mlperf-tiny/ad/ad01_int8.tflite");
    expect(tensorOf(int8, int8.inputs[0] as string).quant).toEqual({
      scale: [f32(0.3910152316093445)],
      zeroPoint: [89],
    });
  });

  it("hello_world float and int8: 1 → 16 → 16 → 1", () => {
    for (const path of [
      "tflite-micro/hello_world/hello_world_float.tflite",
      "tflite-micro/hello_world/hello_world_int8.tflite",
    ]) {
      const g = load(path);
      expectConsistent(g);
      expect(g.nodes.map((n) => n.op)).toEqual(["FullyConnected", "FullyConnected", "FullyConnected"]);
      expect(g.nodes.map((n) => tensorOf(g, n.outputs[0] as string).shape)).toEqual([
        [1, 16],
        [1, 16],
        [1, 1],
      ]);
    }
    const int8 = load("tflite-micro/hello_world/hello_world_int8.tflite");
    expect(tensorOf(int8, int8.outputs[0] as string).quant).toEqual({
      scale: [f32(0.008290956728160381)],
      zeroPoint: [5],
    });
  });

  it("person_detect (MobileNetV1, int8): 14 conv + 14 depthwise, input scale 1/127.5 zp -1", () => {
    const g = load("tflite-micro/person_detection/person_detect.tflite");
    expectConsistent(g);
    expect(opCounts(g)).toEqual({ DepthwiseConv2D: 14, Conv2D: 14, AveragePool2D: 1, Reshape: 1, Softmax: 1 });
    const input = tensorOf(g, g.inputs[0] as string);
    expect(input).toMatchObject({ dtype: "int8", shape: [1, 96, 96, 1], quant: { zeroPoint: [-1] } });
    expect(input.quant?.scale[0]).toBeCloseTo(1 / 127.5, 7);
    // The first layer is a depthwise convolution with multiplier 8 (1 input channel → 8).
    expect(g.nodes[0]?.attrs).toMatchObject({ depthMultiplier: 8, strides: [2, 2], activation: "relu6" });
    // Its bias carries per-channel scales with quantized_dimension 3 in the file: read as axis 0 of the 1-D bias.
    const bias = tensorOf(g, g.nodes[0]?.inputs[2] as string);
    expect(bias.shape).toEqual([8]);
    expect(bias.quant?.axis).toBe(0);
    expect(tensorOf(g, g.outputs[0] as string).shape).toEqual([1, 2]);
  });

  it("sww (streaming wake word, int8) and micro_speech (int8)", () => {
    const sww = load("mlperf-tiny/sww/str_ww_ref_model.tflite");
    expectConsistent(sww);
    expect(opCounts(sww)).toEqual({ DepthwiseConv2D: 4, Conv2D: 4, Reshape: 1, FullyConnected: 1, Softmax: 1 });
    expect(tensorOf(sww, sww.inputs[0] as string)).toMatchObject({ dtype: "int8", shape: [1, 30, 1, 40] });
    expect(tensorOf(sww, sww.outputs[0] as string).shape).toEqual([1, 3]);

    const speech = load("tflite-micro/micro_speech/micro_speech_quantized.tflite");
    expectConsistent(speech);
    expect(speech.nodes.map((n) => n.op)).toEqual(["Reshape", "DepthwiseConv2D", "FullyConnected", "Softmax"]);
    expect(speech.nodes[0]?.attrs).toEqual({ shape: [-1, 49, 40, 1] });
    expect(tensorOf(speech, speech.inputs[0] as string).shape).toEqual([1, 1960]);
    expect(tensorOf(speech, speech.outputs[0] as string).shape).toEqual([1, 4]);
    // Node and tensor names never collide, even where the file names tensors like nodes ("Reshape_1").
    const names = [...speech.tensors.keys(), ...speech.nodes.map((n) => n.name)];
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("importTflite: unsupported operators are all named, before any work", () => {
  const refusal = (path: string): EngineError => {
    try {
      load(path);
    } catch (e) {
      if (e instanceof EngineError) return e;
      throw e;
    }
    throw new Error(`${path} was imported`);
  };

  it("the Vela-compiled person detector: its one CUSTOM ethos-u op, with what to do", () => {
    const e = refusal("tflite-micro/person_detection/person_detect_vela.tflite");
    expect(e.code).toBe("UNSUPPORTED_OPS");
    expect(e.details.ops).toEqual(["ethos-u"]);
    expect(e.message).toContain("ethos-u");
    expect(e.message).toContain("before Vela compilation");
  });

  it("the micro_speech audio preprocessors: every Signal* custom op and the builtins the engine lacks", () => {
    const float = refusal("tflite-micro/micro_speech/audio_preprocessor_float.tflite");
    expect(float.code).toBe("UNSUPPORTED_OPS");
    expect(float.details.ops).toEqual([
      "SignalWindow",
      "SignalFftAutoScale",
      "SignalRfft",
      "SignalEnergy",
      "CAST",
      "STRIDED_SLICE",
      "SignalFilterBank",
      "SignalFilterBankSquareRoot",
      "SignalFilterBankSpectralSubtraction",
      "SignalPCAN",
      "SignalFilterBankLog",
    ]);
    expect(float.details.counts).toMatchObject({ CAST: 3 });
    for (const op of float.details.ops as string[]) expect(float.message).toContain(op);
    expect(float.message).toContain("audio front end");

    const int8 = refusal("tflite-micro/micro_speech/audio_preprocessor_int8.tflite");
    expect(int8.details.ops).toEqual(expect.arrayContaining(["SignalPCAN", "CAST", "DIV", "MINIMUM", "MAXIMUM"]));
    expect((int8.details.ops as string[]).length).toBe(14);
  });

  it("keyword_scrambled: its SVDF ops (stateful) are refused by name", () => {
    for (const path of [
      "tflite-micro/keyword_scrambled/keyword_scrambled.tflite",
      "tflite-micro/keyword_scrambled/keyword_scrambled_8bit.tflite",
    ]) {
      const e = refusal(path);
      expect(e.code).toBe("UNSUPPORTED_OPS");
      expect(e.details.ops).toEqual(["SVDF"]);
      expect(e.message).toContain("SVDF (×7)");
      expect(e.message).toContain("Supported TFLite operators: ADD,");
    }
  });
});
