import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs/minimal.js";
import { describe, expect, it } from "vitest";
import { onnx } from "../../generated/onnx-pb.js";
import { EngineError } from "../errors.js";
import { decodeTensorBytes } from "./decode.js";
import { encodeModel } from "./encode.js";
import { exportOnnx } from "./export.js";
import { importOnnx } from "./import.js";
import { ATTR, attribute, emptyTensor, ONNX_DTYPE, type OnnxAttribute, type OnnxNode } from "./schema.js";

const FIXTURES =
  process.env.TINYML_FIXTURES ?? fileURLToPath(new URL("../../../../../shared/fixtures/", import.meta.url));
const DERIVED = fileURLToPath(new URL("../../../../.tmp/fixtures/", import.meta.url));

/** A deterministic generator, so a failure reproduces. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

/** Truncations, byte flips, overwritten runs, inserted varints of huge lengths, spliced duplicates. */
function* variants(original: Uint8Array, count: number, seed: number): Generator<[string, Uint8Array]> {
  const bytes = new Uint8Array(original); // a copy: Buffer.slice would share memory with the file's bytes
  const r = lcg(seed);
  for (let i = 0; i < count; i++) {
    const kind = i % 5;
    if (kind === 0) {
      const at = r(bytes.length);
      yield [`truncated at ${at}`, bytes.slice(0, at)];
      continue;
    }
    const b = bytes.slice();
    if (kind === 1) {
      const flips = 1 + r(8);
      for (let k = 0; k < flips; k++) b[r(b.length)] = r(256);
      yield [`${flips} random bytes`, b];
    } else if (kind === 2) {
      const at = r(b.length);
      const len = 1 + r(16);
      for (let k = at; k < Math.min(at + len, b.length); k++) b[k] = 0xff;
      yield [`0xff run at ${at}`, b];
    } else if (kind === 3) {
      // A length prefix that claims far more than the file holds, or a 10-byte varint.
      const at = r(b.length);
      const huge = [0xff, 0xff, 0xff, 0xff, 0x0f];
      const out = new Uint8Array(b.length + huge.length);
      out.set(b.subarray(0, at));
      out.set(huge, at);
      out.set(b.subarray(at), at + huge.length);
      yield [`huge varint inserted at ${at}`, out];
    } else {
      const from = r(b.length);
      const len = 1 + r(64);
      const to = r(b.length);
      b.copyWithin(to, from, from + len);
      yield [`bytes ${from}+${len} copied to ${to}`, b];
    }
  }
}

/** Each variant imports (and what imports exports again) or fails with an EngineError: nothing else escapes. */
function fuzz(
  name: string,
  bytes: Uint8Array,
  count: number,
  seed: number,
): { imported: number; refused: Map<string, number> } {
  let imported = 0;
  const refused = new Map<string, number>();
  for (const [what, variant] of variants(bytes, count, seed)) {
    try {
      exportOnnx(importOnnx(variant, name));
      imported++;
    } catch (e) {
      if (!(e instanceof EngineError)) {
        throw new Error(`${name}, ${what}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
      refused.set(e.code, (refused.get(e.code) ?? 0) + 1);
    }
  }
  return { imported, refused };
}

const ints = (name: string, v: number[]) => attribute(name, ATTR.INTS, { ints: v });
const int = (name: string, i: number) => attribute(name, ATTR.INT, { i });
const node = (opType: string, inputs: string[], outputs: string[], attributes = [] as OnnxAttribute[]): OnnxNode => ({
  name: outputs[0] as string,
  opType,
  domain: "",
  inputs,
  outputs,
  attributes,
});
const i64 = (name: string, values: number[], dims = [values.length]) => {
  const t = emptyTensor(name, ONNX_DTYPE.INT64, dims);
  t.int64Data = values.map(BigInt);
  return t;
};
const f32 = (name: string, dims: number[]) => {
  const t = emptyTensor(name, ONNX_DTYPE.FLOAT, dims);
  t.floatData = Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
  return t;
};

/** Convolution, pooling, tf2onnx-style shape arithmetic into a Reshape, a 1-D branch: many ops, tiny weights. */
const DENSE_NODES: OnnxNode[] = [
  node(
    "Conv",
    ["x", "w", "b"],
    ["c"],
    [ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1]), ints("strides", [2, 2])],
  ),
  node("Relu", ["c"], ["r"]),
  node("MaxPool", ["r"], ["p"], [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])]),
  node("Shape", ["p"], ["shape"]),
  node("Gather", ["shape", "zero"], ["n"], [int("axis", 0)]),
  node("Unsqueeze", ["n", "ax0"], ["n1"]),
  node("Slice", ["shape", "starts", "ends", "ax0"], ["mid"]),
  node("ReduceProd", ["mid"], ["prod"], [int("keepdims", 1)]),
  node("Concat", ["n1", "minus_one"], ["target"], [int("axis", 0)]),
  node("Range", ["zero", "three", "one"], ["rng"]),
  node("Shape", ["rng"], ["rng_shape"]),
  node("ConstantOfShape", ["rng_shape"], ["ones"]),
  node("Reshape", ["p", "target"], ["flat"]),
  node("MatMul", ["flat", "fc"], ["m"]),
  node("Add", ["m", "ones"], ["a"]),
  node("Softmax", ["a"], ["y"], [int("axis", -1)]),
  node("Unsqueeze", ["flat", "one_axis"], ["seq"]),
  node("Conv", ["seq", "w1d"], ["c1d"], [ints("pads", [1, 1])]),
  node("LeakyRelu", ["c1d"], ["lr"]),
  node("HardSwish", ["lr"], ["hs"]),
  node("MaxPool", ["hs"], ["mp"], [ints("kernel_shape", [2]), int("ceil_mode", 1), ints("strides", [2])]),
  node("ReduceSum", ["mp", "one_axis"], ["z"], [int("keepdims", 0)]),
];

const denseInitializers = () => [
  i64("zero", [0], []),
  i64("one", [1], []),
  i64("three", [3], []),
  i64("minus_one", [-1]),
  i64("starts", [1]),
  i64("ends", [3]),
  i64("ax0", [0]),
  f32("w", [4, 2, 3, 3]),
  f32("b", [4]),
  f32("fc", [4, 3]),
  f32("w1d", [2, 1, 3]),
  i64("one_axis", [1]),
];

/**
 * A model that is almost all structure (tf2onnx-style shape arithmetic, many ops, tiny weights), so that
 * damage lands in nodes, attributes and shapes rather than in weight bytes.
 */
function structureDenseModel(): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "fuzz",
    producerVersion: "",
    functionCount: 0,
    graph: {
      name: "dense",
      initializers: denseInitializers(),
      inputs: [
        {
          name: "x",
          elemType: ONNX_DTYPE.FLOAT,
          shape: [{ param: "N" }, { value: 2 }, { value: 6 }, { value: 6 }],
          isTensor: true,
        },
      ],
      outputs: [
        { name: "y", elemType: ONNX_DTYPE.FLOAT, shape: [{ param: "N" }, { value: 3 }], isTensor: true },
        { name: "z", elemType: ONNX_DTYPE.FLOAT, shape: [{ param: "N" }, { value: 2 }], isTensor: true },
      ],
      valueInfo: [],
      sparseInitializerCount: 0,
      nodes: DENSE_NODES,
    },
  });
}

describe("importOnnx on truncated and corrupted ONNX files", () => {
  it("4,000 variants of a structure-dense model (shape arithmetic, many ops, tiny weights)", () => {
    const bytes = structureDenseModel();
    importOnnx(bytes, "dense"); // the undamaged model imports
    const { imported, refused } = fuzz("dense", bytes, 4000, 3);
    expect(imported + [...refused.values()].reduce((a, b) => a + b, 0)).toBe(4000);
    expect(refused.size).toBeGreaterThan(1);
  });

  it("4,000 variants of the MNIST model: each imports or throws an EngineError", () => {
    const bytes = readFileSync(`${FIXTURES}/onnx/mnist-2018-opset1/model.onnx`);
    const started = performance.now();
    const { imported, refused } = fuzz("mnist", bytes, 4000, 1);
    const seconds = (performance.now() - started) / 1000;
    expect(imported + [...refused.values()].reduce((a, b) => a + b, 0)).toBe(4000);
    // Most damage is caught by the protobuf reader; some lands in weights and still imports.
    expect(refused.get("CORRUPT_MODEL") ?? 0).toBeGreaterThan(1000);
    expect(imported).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(15);
  });

  it.runIf(existsSync(`${DERIVED}kws.onnx`))("2,000 variants of the tf2onnx KWS model", () => {
    const { imported, refused } = fuzz("kws", readFileSync(`${DERIVED}kws.onnx`), 2000, 2);
    expect(imported + [...refused.values()].reduce((a, b) => a + b, 0)).toBe(2000);
  });

  it("hostile hand-made files: huge declared sizes, deep nesting, a varint that does not end", () => {
    const expectCode = (bytes: Uint8Array, code: string) => {
      let got = "ok";
      try {
        importOnnx(bytes, "hostile");
      } catch (e) {
        if (!(e instanceof EngineError)) throw e;
        got = e.code;
      }
      expect(got).toBe(code);
    };
    // ModelProto.graph claiming 4 GiB.
    expectCode(Uint8Array.of(0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00), "CORRUPT_MODEL");
    // A varint of 11 continuation bytes.
    expectCode(Uint8Array.of(0x08, ...new Array(11).fill(0x80), 0x01), "CORRUPT_MODEL");
    // An end-group wire type.
    expectCode(Uint8Array.of(0x0c), "CORRUPT_MODEL");
    const modelOf = (graph: onnx.GraphProto.$Properties) =>
      onnx.ModelProto.encode({ irVersion: 8, graph, opsetImport: [{ version: 17 }] }).finish();
    // Graph attributes nested deep (If bodies): refused before the stack is at risk, whether the depth is
    // past the engine's graph limit (16) or past the decoder's message limit (100 messages).
    for (const [levels, message] of [
      [20, /graphs are nested more than 16 deep/],
      [100, /nested more than 100 deep/],
    ] as const) {
      // Written field by field: the generated encoder refuses to nest this deep itself.
      const field = (n: number, bytes: Uint8Array) =>
        protobuf.Writer.create()
          .uint32((n << 3) | 2)
          .bytes(bytes)
          .finish();
      const concat = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);
      let g: Uint8Array = new Uint8Array();
      for (let i = 0; i < levels; i++) {
        const attribute = concat(
          onnx.AttributeProto.encode({ name: "then_branch", type: ATTR.GRAPH }).finish(),
          field(6, g),
        );
        g = field(1, concat(onnx.NodeProto.encode({ opType: "If" }).finish(), field(5, attribute)));
      }
      const model = concat(
        onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ version: 17 }] }).finish(),
        field(7, g),
      );
      expectCode(model, "CORRUPT_MODEL");
      expect(() => importOnnx(model, "hostile")).toThrow(message);
    }
    // An initializer declaring 2^40 elements with no data: refused without allocating them.
    const huge = { dims: [1 << 20, 1 << 20], dataType: ONNX_DTYPE.FLOAT, name: "w" };
    expectCode(modelOf({ initializer: [huge] }), "OVER_LIMITS");
  });

  it("TensorProto files: the model zoo's input_0.pb reads, its truncations are refused", () => {
    const bytes = readFileSync(`${FIXTURES}/onnx/mnist-8-test-data-set-0/input_0.pb`);
    const t = decodeTensorBytes(bytes);
    expect(t.dims).toEqual([1, 1, 28, 28]);
    let refused = 0;
    for (let at = 1; at < bytes.length; at += 7) {
      try {
        decodeTensorBytes(bytes.subarray(0, at));
      } catch (e) {
        expect(e).toBeInstanceOf(EngineError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(400);
  });
});
