import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import type { Node } from "../ir/ops.js";
import { FIXTURES } from "../testing/fixtures.js";
import { fp16Network, int8Network, int16x8Network, operatorVersionsOf } from "../testing/tflite-networks.js";
import { CheckedBuffer } from "./checked-table.js";
import { exportTflite } from "./export.js";
import { importTflite } from "./import.js";
import { readTflite } from "./reader.js";
import { builtinName, MODEL, OPERATOR_CODE, TENSOR_TYPE } from "./schema.js";

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
    expect(operatorVersionsOf(bytes)).toEqual({
      CONV_2D: 3,
      DEPTHWISE_CONV_2D: 3,
      RESHAPE: 1,
      FULLY_CONNECTED: 4,
      SOFTMAX: 2,
    });
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
    expect(operatorVersionsOf(exportTflite(int16x8Network()))).toEqual({
      CONV_2D: 4,
      RESHAPE: 1,
      FULLY_CONNECTED: 1,
      SOFTMAX: 3,
    });
    expect(operatorVersionsOf(exportTflite(fp16Network()))).toEqual({ RESHAPE: 1, DEQUANTIZE: 3, FULLY_CONNECTED: 1 });
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
      expect(operatorVersionsOf(exportTflite(importTflite(original, path))), path).toEqual(
        operatorVersionsOf(original),
      );
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

describe("exportTflite: the quantization TFLite's kernels require", () => {
  const refusal = (g: ReturnType<typeof int8Network>): EngineError => {
    try {
      exportTflite(g);
    } catch (e) {
      if (e instanceof EngineError) return e;
      throw e;
    }
    throw new Error("exported");
  };

  it("refuses a per-tensor FullyConnected whose bias carries one scale per output channel", () => {
    // The file LiteRT's builtin and reference kernels refused ("FULLY_CONNECTED failed to prepare"): they read
    // the bias scale as one value, and a vector of scales reads as 0.
    const g = int8Network();
    const bias = g.tensors.get("fc/b");
    if (!bias?.quant) throw new Error("int8Network has no quantized fc/b");
    bias.quant = { scale: new Array(10).fill(bias.quant.scale[0]), zeroPoint: new Array(10).fill(0), axis: 0 };
    const e = refusal(g);
    expect(e.code).toBe("INVALID_GRAPH");
    expect(e.details.problems).toEqual([
      'FullyConnected "fc": bias "fc/b" carries 10 scales; it takes one (its weights are per tensor)',
    ]);
  });

  it("refuses, together and by layer, a bias off input × weight scale and 16x8 tensors off zero point 0", () => {
    const g = int8Network();
    const fcBias = g.tensors.get("fc/b");
    if (fcBias?.quant) fcBias.quant = { scale: [0.01], zeroPoint: [0] }; // 25 × input scale × weight scale
    const h = int16x8Network();
    const conv = h.tensors.get("conv");
    if (conv?.quant) conv.quant = { scale: conv.quant.scale, zeroPoint: [3] };
    const convBias = h.tensors.get("conv/b");
    if (convBias?.data) Object.assign(convBias, { dtype: "int32", data: Int32Array.from([1, 2, 3, 4]) });
    expect(refusal(g).details.problems).toEqual([
      'FullyConnected "fc": bias "fc/b" scale 0.01 (channel 0) is not input scale × weight scale (0.0004)',
    ]);
    expect(refusal(h).details.problems).toEqual([
      'Conv2D "conv": bias "conv/b" is int32; int16 activations take int64',
      'Conv2D "conv": int16 tensor "conv" has a zero point other than 0',
    ]);
  });
});
