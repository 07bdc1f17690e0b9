import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { cloneGraph, type Graph, tensorOf } from "../ir/graph.js";
import { inferShapes } from "../ir/shape-inference.js";
import { decodeModel } from "./decode.js";
import { exportOnnx } from "./export.js";
import { importOnnx } from "./import.js";
import { readTensorProto } from "./tensor-proto.js";

const FIXTURES =
  process.env.TINYML_FIXTURES ?? fileURLToPath(new URL("../../../../../shared/fixtures/", import.meta.url));
const DERIVED = fileURLToPath(new URL("../../../../.tmp/fixtures/", import.meta.url));

interface Npy {
  dtype: string;
  shape: number[];
  data: Float32Array | BigInt64Array | Int8Array;
}

/** The arrays of a stored (uncompressed) .npz, as np.savez writes it: a zip of .npy files. */
function readNpz(path: string): Map<string, Npy> {
  const bytes = readFileSync(path);
  const out = new Map<string, Npy>();
  let p = 0;
  while (p + 30 <= bytes.length && bytes.readUInt32LE(p) === 0x04034b50) {
    const method = bytes.readUInt16LE(p + 8);
    let size = bytes.readUInt32LE(p + 18);
    const nameLength = bytes.readUInt16LE(p + 26);
    const extra = bytes.readUInt16LE(p + 28);
    if (size === 0xffffffff) {
      // zip64: the sizes are in the extra field (header 0x0001: uncompressed, then compressed, 8 bytes each)
      const e = p + 30 + nameLength;
      if (bytes.readUInt16LE(e) !== 1) throw new Error(`${path}: unexpected zip extra field`);
      size = Number(bytes.readBigUInt64LE(e + 12));
    }
    const name = bytes.subarray(p + 30, p + 30 + nameLength).toString();
    const start = p + 30 + nameLength + extra;
    if (method !== 0) throw new Error(`${path}: ${name} is compressed`);
    out.set(name.replace(/\.npy$/, ""), parseNpy(bytes.subarray(start, start + size)));
    p = start + size;
  }
  return out;
}

function parseNpy(b: Buffer): Npy {
  const major = b[6] as number;
  const headerLength = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const offset = major === 1 ? 10 : 12;
  const header = b.subarray(offset, offset + headerLength).toString("latin1");
  const dtype = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? "";
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s)
    .map(Number);
  const raw = new Uint8Array(b.subarray(offset + headerLength)).slice().buffer;
  const data = dtype === "<f4" ? new Float32Array(raw) : dtype === "<i8" ? new BigInt64Array(raw) : new Int8Array(raw);
  return { dtype, shape, data };
}

/** Every imported graph must verify, and shape inference from its inputs must give back the importer's shapes. */
function expectShapesInferred(g: Graph): void {
  const inferred = cloneGraph(g);
  for (const n of inferred.nodes) for (const o of n.outputs) tensorOf(inferred, o).shape = [];
  inferShapes(inferred);
  for (const n of g.nodes)
    for (const o of n.outputs) expect(tensorOf(inferred, o).shape, o).toEqual(tensorOf(g, o).shape);
}

/** The IR's shapes agree with every shape the ONNX file declares (value_info, outputs); returns how many. */
function expectDeclaredShapes(bytes: Uint8Array, g: Graph): number {
  const onnx = decodeModel(bytes).graph;
  let compared = 0;
  for (const v of [...(onnx?.valueInfo ?? []), ...(onnx?.outputs ?? [])]) {
    const t = g.tensors.get(v.name);
    if (!t || !v.shape) continue;
    expect(t.shape.length, v.name).toBe(v.shape.length);
    v.shape.forEach((d, i) => {
      if ("value" in d && d.value > 0) expect(t.shape[i], `${v.name}[${i}]`).toBe(d.value);
    });
    compared++;
  }
  return compared;
}

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(model);
  try {
    const results = await session.run(feeds);
    return session.outputNames.map((n) => results[n]?.data as Float32Array);
  } finally {
    await session.release();
  }
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};

describe("ONNX import → export round trip under ONNX Runtime", () => {
  it("MNIST opset 1 (upgraded on import) reproduces the model zoo's expected outputs for its three samples", async () => {
    const original = readFileSync(`${FIXTURES}/onnx/mnist-2018-opset1/model.onnx`);
    const g = importOnnx(original, "mnist");
    expectShapesInferred(g);
    expect(expectDeclaredShapes(original, g)).toBeGreaterThanOrEqual(5);
    expect(g.nodes.map((n) => n.op)).toEqual([
      "Conv2D",
      "Relu",
      "MaxPool2D",
      "Conv2D",
      "Relu",
      "MaxPool2D",
      "Reshape",
      "FullyConnected",
    ]);
    const exported = exportOnnx(g);
    for (const i of [0, 1, 2]) {
      const npz = readNpz(`${FIXTURES}/onnx/mnist-2018-opset1/test_data_${i}.npz`);
      const x = npz.get("inputs") as Npy;
      const expected = npz.get("outputs") as Npy;
      const [y] = await run(exported, { Input3: new ort.Tensor("float32", x.data as Float32Array, [1, 1, 28, 28]) });
      expect(maxAbsDiff(y as Float32Array, expected.data as Float32Array)).toBeLessThan(1e-5);
      const best = (a: Float32Array) => a.indexOf(Math.max(...a));
      expect(best(y as Float32Array)).toBe(best(expected.data as Float32Array));
    }
  });

  it("MNIST-8's test_data_set_0 TensorProtos: the upgraded opset-1 model gives mnist-8's expected output", async () => {
    const input = readTensorProto(readFileSync(`${FIXTURES}/onnx/mnist-8-test-data-set-0/input_0.pb`));
    const output = readTensorProto(readFileSync(`${FIXTURES}/onnx/mnist-8-test-data-set-0/output_0.pb`));
    expect(input.shape).toEqual([1, 1, 28, 28]);
    expect(output.shape).toEqual([1, 10]);
    const g = importOnnx(readFileSync(`${FIXTURES}/onnx/mnist-2018-opset1/model.onnx`), "mnist");
    const [y] = await run(exportOnnx(g), {
      Input3: new ort.Tensor("float32", input.data as Float32Array, [1, 1, 28, 28]),
    });
    expect(maxAbsDiff(y as Float32Array, output.data as Float32Array)).toBeLessThan(1e-3);
  });

  const derived = (file: string) => existsSync(`${DERIVED}${file}`);

  it.runIf(derived("kws.onnx") && derived("kws_eembc.npz"))(
    "KWS (tf2onnx): the exported model matches the original under ONNX Runtime on 50 EEMBC inputs",
    async () => {
      const original = readFileSync(`${DERIVED}kws.onnx`);
      const g = importOnnx(original, "kws");
      expectShapesInferred(g);
      expectDeclaredShapes(original, g);
      expect(g.nodes.filter((n) => n.op === "DepthwiseConv2D")).toHaveLength(4);
      const exported = exportOnnx(g);
      const x = readNpz(`${DERIVED}kws_eembc.npz`).get("x") as Npy;
      const per = 49 * 10;
      const a = await ort.InferenceSession.create(original);
      const b = await ort.InferenceSession.create(exported);
      let worst = 0;
      for (let i = 0; i < 50; i++) {
        const sample = (x.data as Float32Array).slice(i * per, (i + 1) * per);
        const feedA = { [a.inputNames[0] as string]: new ort.Tensor("float32", sample, [1, 49, 10, 1]) };
        const feedB = { [b.inputNames[0] as string]: new ort.Tensor("float32", sample, [1, 49, 10, 1]) };
        const ya = (await a.run(feedA))[a.outputNames[0] as string]?.data as Float32Array;
        const yb = (await b.run(feedB))[b.outputNames[0] as string]?.data as Float32Array;
        worst = Math.max(worst, maxAbsDiff(ya, yb));
      }
      await a.release();
      await b.release();
      expect(worst).toBeLessThan(1e-5);
    },
  );

  it.runIf(derived("ad01.onnx") && derived("ad_windows.npz"))(
    "AD01 (tf2onnx): the exported model matches the original under ONNX Runtime on 50 windows",
    async () => {
      const original = readFileSync(`${DERIVED}ad01.onnx`);
      const g = importOnnx(original, "ad01");
      expectShapesInferred(g);
      const exported = exportOnnx(g);
      const x = readNpz(`${DERIVED}ad_windows.npz`).get("x") as Npy;
      const a = await ort.InferenceSession.create(original);
      const b = await ort.InferenceSession.create(exported);
      let worst = 0;
      for (let i = 0; i < 50; i++) {
        const sample = (x.data as Float32Array).slice(i * 640, (i + 1) * 640);
        const ya = (await a.run({ [a.inputNames[0] as string]: new ort.Tensor("float32", sample, [1, 640]) }))[
          a.outputNames[0] as string
        ]?.data as Float32Array;
        const yb = (await b.run({ [b.inputNames[0] as string]: new ort.Tensor("float32", sample, [1, 640]) }))[
          b.outputNames[0] as string
        ]?.data as Float32Array;
        worst = Math.max(worst, maxAbsDiff(ya, yb));
      }
      await a.release();
      await b.release();
      expect(worst).toBeLessThan(1e-5);
    },
  );
});
