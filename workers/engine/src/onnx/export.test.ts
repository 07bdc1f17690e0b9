import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { floatToHalf, halfToFloat } from "../ir/dtype.js";
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { Tensor } from "../ir/tensor.js";
import { decodeModel } from "./decode.js";
import { exportOnnx } from "./export.js";
import { importOnnx } from "./import.js";

/**
 * A small NHWC network (Quantize → Conv2D 3×3 SAME + ReLU → MaxPool 2×2 → Reshape → FullyConnected →
 * Dequantize), built by hand in the IR in three precisions, exported to ONNX and run by ONNX Runtime,
 * against a reference written here with plain loops: int8 activations, int16 activations (16×8, int64
 * bias), and float (the same weights dequantized).
 */
type Mode = "float" | "int8" | "int16";

const H = 5;
const W = 5;
const C = 2;
const OC = 3;
const UNITS = 4;
const FLAT = 2 * 2 * OC;

/** A deterministic pseudo-random sequence (LCG), so the test data is the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const rand = lcg(7);
const ints = (n: number, lo: number, hi: number) =>
  Array.from({ length: n }, () => lo + Math.floor(rand() * (hi - lo + 1)));
const convW = ints(OC * 3 * 3 * C, -127, 127); // OHWI
const convB = ints(OC, -300, 300);
const fcW = ints(UNITS * FLAT, -127, 127);
const fcB = ints(UNITS, -200, 200);
const input = Float32Array.from({ length: H * W * C }, () => rand() * 4 - 1.2);
// Weight scales are powers of two, so products of dequantized values are exact in float32 and the only
// roundings are the ones quantization prescribes.
const sW = [2 ** -7, 2 ** -8, 2 ** -6];
const sFW = [2 ** -9, 2 ** -8, 2 ** -9, 2 ** -7];

interface Params {
  dtype: "int8" | "int16";
  lo: number;
  hi: number;
  sX: number;
  zX: number;
  sY: number;
  zY: number;
  sZ: number;
  zZ: number;
}
const PARAMS: Record<"int8" | "int16", Params> = {
  int8: { dtype: "int8", lo: -128, hi: 127, sX: 2 ** -5, zX: -9, sY: 0.0371, zY: -128, sZ: 0.0123, zZ: 5 },
  int16: { dtype: "int16", lo: -32768, hi: 32767, sX: 2 ** -12, zX: 0, sY: 0.000137, zY: 0, sZ: 0.0000611, zZ: 0 },
};

const roundHalfEven = (x: number) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** The network computed directly: float, or quantized with rounding to the grid at every quantized tensor. */
function reference(mode: Mode): { out: number[]; zq: number[] } {
  const p = mode === "float" ? undefined : PARAMS[mode];
  const q = (v: number, s: number, z: number) => (p ? Math.min(Math.max(roundHalfEven(v / s) + z, p.lo), p.hi) : v);
  const real = (v: number, s: number, z: number) => (p ? (v - z) * s : v);
  const x = Array.from(input, (v) => real(q(v, p?.sX ?? 1, p?.zX ?? 0), p?.sX ?? 1, p?.zX ?? 0));
  const y: number[] = new Array(H * W * OC).fill(0);
  for (let oh = 0; oh < H; oh++) {
    for (let ow = 0; ow < W; ow++) {
      for (let oc = 0; oc < OC; oc++) {
        let acc = convB[oc] as number;
        acc *= (p?.sX ?? 1) * (sW[oc] as number);
        for (let kh = 0; kh < 3; kh++) {
          for (let kw = 0; kw < 3; kw++) {
            const ih = oh + kh - 1;
            const iw = ow + kw - 1;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (let ic = 0; ic < C; ic++) {
              const wv = (convW[((oc * 3 + kh) * 3 + kw) * C + ic] as number) * (sW[oc] as number);
              acc += (x[(ih * W + iw) * C + ic] as number) * wv;
            }
          }
        }
        y[(oh * W + ow) * OC + oc] = real(q(Math.max(acc, 0), p?.sY ?? 1, p?.zY ?? 0), p?.sY ?? 1, p?.zY ?? 0);
      }
    }
  }
  const pooled: number[] = [];
  for (let ph = 0; ph < 2; ph++) {
    for (let pw = 0; pw < 2; pw++) {
      for (let c = 0; c < OC; c++) {
        let m = Number.NEGATIVE_INFINITY;
        for (let dh = 0; dh < 2; dh++) {
          for (let dw = 0; dw < 2; dw++) m = Math.max(m, y[((ph * 2 + dh) * W + pw * 2 + dw) * OC + c] as number);
        }
        pooled.push(m);
      }
    }
  }
  const zq: number[] = [];
  const out: number[] = [];
  for (let o = 0; o < UNITS; o++) {
    let acc = (fcB[o] as number) * (p?.sY ?? 1) * (sFW[o] as number);
    for (let i = 0; i < FLAT; i++) acc += (pooled[i] as number) * (fcW[o * FLAT + i] as number) * (sFW[o] as number);
    const z = q(acc, p?.sZ ?? 1, p?.zZ ?? 0);
    zq.push(z);
    out.push(real(z, p?.sZ ?? 1, p?.zZ ?? 0));
  }
  return { out, zq };
}

/** The same network as an IR graph. */
function buildGraph(mode: Mode): Graph {
  const p = mode === "float" ? undefined : PARAMS[mode];
  const tensors = new Map<string, Tensor>();
  const add = (t: Tensor) => tensors.set(t.name, t);
  const act = (name: string, shape: number[], s: number, z: number): Tensor =>
    p ? { name, dtype: p.dtype, shape, quant: { scale: [s], zeroPoint: [z] } } : { name, dtype: "float32", shape };
  const weights = (name: string, shape: number[], q: number[], scales: number[]): Tensor => {
    const per = q.length / scales.length;
    if (!p)
      return {
        name,
        dtype: "float32",
        shape,
        data: Float32Array.from(q, (v, i) => v * (scales[Math.floor(i / per)] as number)),
      };
    return {
      name,
      dtype: "int8",
      shape,
      data: Int8Array.from(q),
      quant: { scale: scales, zeroPoint: scales.map(() => 0), axis: 0 },
    };
  };
  const bias = (name: string, q: number[], sIn: number, scales: number[]): Tensor => {
    if (!p)
      return {
        name,
        dtype: "float32",
        shape: [q.length],
        data: Float32Array.from(q, (v, i) => v * (scales[i] as number)),
      };
    const quant = { scale: scales.map((s) => s * sIn), zeroPoint: scales.map(() => 0), axis: 0 };
    if (p.dtype === "int16")
      return { name, dtype: "int64", shape: [q.length], data: BigInt64Array.from(q, BigInt), quant };
    return { name, dtype: "int32", shape: [q.length], data: Int32Array.from(q), quant };
  };
  add({ name: "x", dtype: "float32", shape: [1, H, W, C] });
  add(act("xq", [1, H, W, C], p?.sX ?? 1, p?.zX ?? 0));
  add(weights("conv_w", [OC, 3, 3, C], convW, sW));
  add(bias("conv_b", convB, p?.sX ?? 1, sW));
  add(act("y", [1, H, W, OC], p?.sY ?? 1, p?.zY ?? 0));
  add(act("pooled", [1, 2, 2, OC], p?.sY ?? 1, p?.zY ?? 0));
  add(act("flat", [1, FLAT], p?.sY ?? 1, p?.zY ?? 0));
  add(weights("fc_w", [UNITS, FLAT], fcW, sFW));
  add(bias("fc_b", fcB, p?.sY ?? 1, sFW));
  add(act("z", [1, UNITS], p?.sZ ?? 1, p?.zZ ?? 0));
  add({ name: "out", dtype: "float32", shape: [1, UNITS] });
  const nodes: Node[] = [
    p
      ? { name: "quantize", op: "Quantize", inputs: ["x"], outputs: ["xq"], attrs: {} }
      : { name: "quantize", op: "Identity", inputs: ["x"], outputs: ["xq"], attrs: {} },
    {
      name: "conv",
      op: "Conv2D",
      inputs: ["xq", "conv_w", "conv_b"],
      outputs: ["y"],
      attrs: { strides: [1, 1], dilations: [1, 1], padding: "same", activation: "relu", layout: "NHWC" },
    },
    {
      name: "pool",
      op: "MaxPool2D",
      inputs: ["y"],
      outputs: ["pooled"],
      attrs: { filter: [2, 2], strides: [2, 2], padding: "valid", activation: "none", layout: "NHWC" },
    },
    { name: "flatten", op: "Reshape", inputs: ["pooled"], outputs: ["flat"], attrs: { shape: [1, FLAT] } },
    {
      name: "fc",
      op: "FullyConnected",
      inputs: ["flat", "fc_w", "fc_b"],
      outputs: ["z"],
      attrs: { activation: "none", keepNumDims: false },
    },
    p
      ? { name: "dequantize", op: "Dequantize", inputs: ["z"], outputs: ["out"], attrs: {} }
      : { name: "dequantize", op: "Identity", inputs: ["z"], outputs: ["out"], attrs: {} },
  ];
  return { name: `qdq-${mode}`, tensors, nodes, inputs: ["x"], outputs: ["out", "z"] };
}

async function runExported(model: Uint8Array, optimized: boolean): Promise<{ out: number[]; z: number[] }> {
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: optimized ? "all" : "disabled",
  });
  try {
    const r = await session.run({ x: new ort.Tensor("float32", input, [1, H, W, C]) });
    return { out: Array.from(r.out?.data as Float32Array), z: Array.from(r.z?.data as ArrayLike<number>) };
  } finally {
    await session.release();
  }
}

const opTypes = (model: Uint8Array) => (decodeModel(model).graph?.nodes ?? []).map((n) => n.opType);

describe("QDQ export of quantized IR graphs runs in ONNX Runtime and matches the quantized reference", () => {
  for (const mode of ["int8", "int16"] as const) {
    it(`${mode} activations: every output code equals the reference's, with and without ORT's QDQ fusion`, async () => {
      const model = exportOnnx(buildGraph(mode));
      const ops = opTypes(model);
      // The NHWC conv and pool share NCHW tensors: one Transpose in, one out, none between them.
      expect(ops.filter((o) => o === "Transpose")).toHaveLength(2);
      expect(ops.filter((o) => o === "QuantizeLinear").length).toBeGreaterThanOrEqual(4);
      const ref = reference(mode);
      // The reference is not trivial: codes spread over the range, none pinned at the limits everywhere.
      expect(new Set(ref.zq).size).toBe(UNITS);
      const plain = await runExported(model, false);
      expect(plain.z).toEqual(ref.zq);
      for (const [i, v] of plain.out.entries()) expect(Math.abs(v - (ref.out[i] as number))).toBeLessThan(1e-6);
      const fused = await runExported(model, true);
      for (const [i, z] of fused.z.entries()) expect(Math.abs(z - (ref.zq[i] as number))).toBeLessThanOrEqual(1);
    });
  }

  it("the exported int8 model declares int8 weights per axis, int32 biases and an int8 output", () => {
    const g = decodeModel(exportOnnx(buildGraph("int8"))).graph;
    const byName = new Map(g?.initializers.map((t) => [t.name, t]));
    const weightDQ = g?.nodes.filter(
      (n) => n.opType === "DequantizeLinear" && byName.get(n.inputs[0] as string)?.dataType === 3,
    );
    expect(weightDQ?.length).toBe(2);
    for (const n of weightDQ ?? []) expect(n.attributes.find((a) => a.name === "axis")?.i).toBe(0);
    expect(g?.initializers.some((t) => t.dataType === 6 && t.dims[0] === OC)).toBe(true);
    expect(g?.outputs.map((o) => o.elemType)).toEqual([1, 3]);
  });

  it("float NHWC graphs export with the same two boundary Transposes and match the float reference", async () => {
    const model = exportOnnx(buildGraph("float"));
    expect(opTypes(model).filter((o) => o === "Transpose")).toHaveLength(2);
    const got = await runExported(model, true);
    const ref = reference("float");
    for (const [i, v] of got.out.entries()) expect(Math.abs(v - (ref.out[i] as number))).toBeLessThan(1e-5);
  });

  it("a QDQ model written by the exporter imports back with the quantization on its tensors", () => {
    const g = importOnnx(exportOnnx(buildGraph("int8")), "qdq");
    const quantize = g.nodes.filter((n) => n.op === "Quantize");
    expect(quantize.length).toBeGreaterThanOrEqual(4);
    const first = g.tensors.get(quantize[0]?.outputs[0] as string);
    expect(first?.dtype).toBe("int8");
    expect(first?.quant).toEqual({ scale: [Math.fround(PARAMS.int8.sX)], zeroPoint: [PARAMS.int8.zX] });
    const weights = [...g.tensors.values()].filter((t) => t.data && t.dtype === "int8");
    expect(weights.map((t) => t.quant?.scale.length).sort()).toEqual([OC, UNITS]);
  });

  it("int16 activations need opset 21: an older opset is refused", () => {
    expect(() => exportOnnx(buildGraph("int16"), { opset: 19 })).toThrow(EngineError);
    expect(() => exportOnnx(buildGraph("int8"), { opset: 19 })).not.toThrow();
  });
});

describe("float16 weights", () => {
  it("a Dequantize of float16 weights exports as Cast and computes with the half-precision values", async () => {
    const w = Array.from({ length: 3 * 4 }, (_, i) => Math.sin(i) / 3);
    const half = Uint16Array.from(w, (v) => floatToHalf(v));
    const graph: Graph = {
      name: "fp16",
      inputs: ["x"],
      outputs: ["y"],
      tensors: new Map<string, Tensor>([
        ["x", { name: "x", dtype: "float32", shape: [1, 4] }],
        ["w16", { name: "w16", dtype: "float16", shape: [3, 4], data: half }],
        ["w", { name: "w", dtype: "float32", shape: [3, 4] }],
        ["y", { name: "y", dtype: "float32", shape: [1, 3] }],
      ]),
      nodes: [
        { name: "dq", op: "Dequantize", inputs: ["w16"], outputs: ["w"], attrs: {} },
        {
          name: "fc",
          op: "FullyConnected",
          inputs: ["x", "w"],
          outputs: ["y"],
          attrs: { activation: "relu", keepNumDims: false },
        },
      ],
    };
    const model = exportOnnx(graph);
    expect(opTypes(model)).toEqual(["Cast", "Gemm", "Relu"]);
    const x = Float32Array.of(1.5, -2, 0.25, 3);
    const session = await ort.InferenceSession.create(model);
    const y = (await session.run({ x: new ort.Tensor("float32", x, [1, 4]) })).y?.data as Float32Array;
    await session.release();
    for (let o = 0; o < 3; o++) {
      let acc = 0;
      for (let i = 0; i < 4; i++) acc += (x[i] as number) * halfToFloat(half[o * 4 + i] as number);
      expect(Math.abs((y[o] as number) - Math.max(acc, 0))).toBeLessThan(1e-6);
    }
    // The half-precision rounding is visible: computing with the float32 weights would differ.
    expect(half.some((h, i) => halfToFloat(h) !== Math.fround(w[i] as number))).toBe(true);
  });
});

describe("NHWC export: Transposes around convolutions", () => {
  it("IR Transposes NCHW → NHWC → conv → NCHW cancel with the exporter's own: no Transpose is written", async () => {
    const w = Float32Array.from({ length: OC * 3 * 3 * C }, (_, i) => Math.cos(i) / 4); // OHWI
    const oihw = new Float32Array(w.length);
    for (let o = 0; o < OC; o++)
      for (let h = 0; h < 3; h++)
        for (let x = 0; x < 3; x++)
          for (let i = 0; i < C; i++) oihw[((o * C + i) * 3 + h) * 3 + x] = w[((o * 3 + h) * 3 + x) * C + i] as number;
    const conv = (layout: "NCHW" | "NHWC") => ({
      strides: [1, 1] as [number, number],
      dilations: [1, 1] as [number, number],
      padding: "same" as const,
      activation: "relu6" as const,
      layout,
    });
    const t = (name: string, shape: number[], data?: Float32Array): [string, Tensor] => [
      name,
      { name, dtype: "float32", shape, ...(data ? { data } : {}) },
    ];
    const wrapped: Graph = {
      name: "wrapped",
      inputs: ["x"],
      outputs: ["out"],
      tensors: new Map([
        t("x", [1, C, H, W]),
        t("xt", [1, H, W, C]),
        t("w", [OC, 3, 3, C], w),
        t("y", [1, H, W, OC]),
        t("out", [1, OC, H, W]),
      ]),
      nodes: [
        { name: "to_nhwc", op: "Transpose", inputs: ["x"], outputs: ["xt"], attrs: { perm: [0, 2, 3, 1] } },
        { name: "conv", op: "Conv2D", inputs: ["xt", "w"], outputs: ["y"], attrs: conv("NHWC") },
        { name: "to_nchw", op: "Transpose", inputs: ["y"], outputs: ["out"], attrs: { perm: [0, 3, 1, 2] } },
      ],
    };
    const direct: Graph = {
      name: "direct",
      inputs: ["x"],
      outputs: ["out"],
      tensors: new Map([t("x", [1, C, H, W]), t("w", [OC, C, 3, 3], oihw), t("out", [1, OC, H, W])]),
      nodes: [{ name: "conv", op: "Conv2D", inputs: ["x", "w"], outputs: ["out"], attrs: conv("NCHW") }],
    };
    const model = exportOnnx(wrapped);
    expect(opTypes(model)).not.toContain("Transpose");
    const x = Float32Array.from({ length: C * H * W }, (_, i) => Math.sin(i * 1.3) * 12);
    const run = async (m: Uint8Array) => {
      const s = await ort.InferenceSession.create(m);
      const r = (await s.run({ x: new ort.Tensor("float32", x, [1, C, H, W]) })).out?.data as Float32Array;
      await s.release();
      return r;
    };
    const [a, b] = [await run(model), await run(exportOnnx(direct))];
    expect(a.length).toBe(OC * H * W);
    for (const [i, v] of b.entries()) expect(Math.abs((a[i] as number) - v)).toBeLessThan(1e-6);
    expect(Math.max(...a)).toBe(6); // relu6 fused into the conv is written as a Clip and saturates somewhere
  });
});
