import * as ort from "onnxruntime-node";
import { expect } from "vitest";
import { EngineError } from "../errors.js";
import { cloneGraph, type Graph, tensorOf } from "../ir/graph.js";
import { inferShapes } from "../ir/shape-inference.js";
import { encodeModel } from "../onnx/encode.js";
import { exportOnnx } from "../onnx/export.js";
import { importOnnx } from "../onnx/import.js";
import {
  ATTR,
  attribute,
  emptyTensor,
  ONNX_DTYPE,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxNode,
  type OnnxTensor,
} from "../onnx/schema.js";

/**
 * Small ONNX models written with the engine's ONNX writer for the importer's tests, and the checks those
 * tests share: shapes that the IR's own inference reproduces, and outputs equal to ONNX Runtime's on the
 * original model.
 */

export const ints = (name: string, v: number[]): OnnxAttribute => attribute(name, ATTR.INTS, { ints: v });
export const int = (name: string, i: number): OnnxAttribute => attribute(name, ATTR.INT, { i });
export const float = (name: string, f: number): OnnxAttribute => attribute(name, ATTR.FLOAT, { f });
export const str = (name: string, s: string): OnnxAttribute =>
  attribute(name, ATTR.STRING, { s: new TextEncoder().encode(s) });

export const node = (
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: OnnxAttribute[] = [],
  domain = "",
): OnnxNode => ({
  name: `${opType}_${outputs[0]}`,
  opType,
  domain,
  inputs,
  outputs,
  attributes,
});

let seed = 12345;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed / 2 ** 32) * 2 - 1;
};

export const floats = (name: string, dims: number[], values?: number[]): OnnxTensor => {
  const t = emptyTensor(name, ONNX_DTYPE.FLOAT, dims);
  const n = dims.reduce((a, b) => a * b, 1);
  t.floatData = values ?? Array.from({ length: n }, random);
  return t;
};
export const int64s = (name: string, values: number[], dims = [values.length]): OnnxTensor => {
  const t = emptyTensor(name, ONNX_DTYPE.INT64, dims);
  t.int64Data = values.map(BigInt);
  return t;
};

export interface ModelSpec {
  opset?: number;
  inputs: [string, (number | string)[]][];
  outputs: string[];
  nodes: OnnxNode[];
  initializers?: OnnxTensor[];
  extraOpsets?: { domain: string; version: number }[];
}

export function model(spec: ModelSpec): Uint8Array {
  const dims = (shape: (number | string)[]): OnnxDim[] =>
    shape.map((d) => (typeof d === "number" ? { value: d } : { param: d }));
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: "", version: spec.opset ?? 17 }, ...(spec.extraOpsets ?? [])],
    producerName: "test",
    producerVersion: "",
    functionCount: 0,
    graph: {
      name: "test",
      nodes: spec.nodes,
      initializers: spec.initializers ?? [],
      sparseInitializerCount: 0,
      inputs: spec.inputs.map(([name, shape]) => ({
        name,
        elemType: ONNX_DTYPE.FLOAT,
        shape: dims(shape),
        isTensor: true,
      })),
      outputs: spec.outputs.map((name) => ({ name, elemType: ONNX_DTYPE.FLOAT, shape: undefined, isTensor: true })),
      valueInfo: [],
    },
  });
}

export const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof EngineError) return e.code;
    throw e;
  }
  return "ok";
};

export function expectShapesInferred(g: Graph): void {
  const inferred = cloneGraph(g);
  for (const n of inferred.nodes) for (const o of n.outputs) tensorOf(inferred, o).shape = [];
  inferShapes(inferred);
  for (const n of g.nodes)
    for (const o of n.outputs) expect(tensorOf(inferred, o).shape, o).toEqual(tensorOf(g, o).shape);
}

/** Runs a model in ONNX Runtime on one random input per model input (static shapes). */
export async function runOrt(bytes: Uint8Array, shapes: number[][]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    session.inputNames.forEach((name, i) => {
      const shape = shapes[i] as number[];
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.sin(k * 0.7 + i) * 2);
      feeds[name] = new ort.Tensor("float32", data, shape);
    });
    const out = await session.run(feeds);
    return session.outputNames.map((n) => out[n]?.data as Float32Array);
  } finally {
    await session.release();
  }
}

/** Imports, checks the graph, exports, and compares ONNX Runtime on the exported model with the original. */
export async function expectSameUnderOrt(bytes: Uint8Array, shapes: number[][], opset?: number): Promise<Graph> {
  const g = importOnnx(bytes, "case");
  expectShapesInferred(g);
  const [expected, actual] = [await runOrt(bytes, shapes), await runOrt(exportOnnx(g, { opset }), shapes)];
  expect(actual.length).toBe(expected.length);
  for (const [i, e] of expected.entries()) {
    const a = actual[i] as Float32Array;
    expect(a.length).toBe(e.length);
    let worst = 0;
    for (let k = 0; k < e.length; k++) worst = Math.max(worst, Math.abs((a[k] as number) - (e[k] as number)));
    expect(worst).toBeLessThan(1e-5);
  }
  return g;
}

export const ops = (g: Graph) => g.nodes.map((n) => n.op);
