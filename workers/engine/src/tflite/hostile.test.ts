import { Builder } from "flatbuffers";
import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { writeTfliteUnchecked } from "../fuzz/mutate-tflite.js";
import type { Graph } from "../ir/graph.js";
import { MODEL_LIMITS } from "../ir/limits.js";
import type { Tensor } from "../ir/tensor.js";
import { importTflite } from "./import.js";
import { readTflite } from "./reader.js";
import { BUFFER, MODEL, OPERATOR, OPERATOR_CODE, SUBGRAPH, TENSOR, TENSOR_TYPE } from "./schema.js";

/** A hand-written model: what a converter would never write, built field by field. */
interface Sketch {
  version?: number;
  codes: { code: number; custom?: string }[];
  tensors: { shape: number[]; type?: number; buffer?: number }[];
  operators: { opcode: number; inputs: number[]; outputs: number[] }[];
  /** How many times the subgraph's operator vector repeats the first operator's offset. */
  repeatFirstOperator?: number;
  inputs: number[];
  outputs: number[];
  buffers: { data?: number[]; offset?: bigint; size?: bigint }[];
  extraSubgraphs?: number;
}

function build(s: Sketch): Uint8Array {
  const b = new Builder(1024);
  const ints = (v: number[]) => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i] as number);
    return b.endVector();
  };
  const offsets = (v: number[]) => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i] as number);
    return b.endVector();
  };
  const buffers = s.buffers.map((buf) => {
    const data = buf.data ? b.createByteVector(Uint8Array.from(buf.data)) : 0;
    b.startObject(3);
    if (data) b.addFieldOffset(BUFFER.data, data, 0);
    if (buf.offset !== undefined) b.addFieldInt64(BUFFER.offset, buf.offset, 0n);
    if (buf.size !== undefined) b.addFieldInt64(BUFFER.size, buf.size, 0n);
    return b.endObject();
  });
  const tensors = s.tensors.map((t, i) => {
    const name = b.createString(`t${i}`);
    const shape = ints(t.shape);
    b.startObject(8);
    b.addFieldOffset(TENSOR.shape, shape, 0);
    b.addFieldInt8(TENSOR.type, t.type ?? TENSOR_TYPE.FLOAT32, 0);
    b.addFieldInt32(TENSOR.buffer, t.buffer ?? 0, 0);
    b.addFieldOffset(TENSOR.name, name, 0);
    return b.endObject();
  });
  const operators = s.operators.map((op) => {
    const inputs = ints(op.inputs);
    const outputs = ints(op.outputs);
    b.startObject(3);
    b.addFieldInt32(OPERATOR.opcodeIndex, op.opcode, 0);
    b.addFieldOffset(OPERATOR.inputs, inputs, 0);
    b.addFieldOffset(OPERATOR.outputs, outputs, 0);
    return b.endObject();
  });
  const operatorList = s.repeatFirstOperator
    ? new Array<number>(s.repeatFirstOperator).fill(operators[0] as number)
    : operators;
  const subgraph = () => {
    const t = offsets(tensors);
    const o = offsets(operatorList);
    const i = ints(s.inputs);
    const out = ints(s.outputs);
    b.startObject(5);
    b.addFieldOffset(SUBGRAPH.tensors, t, 0);
    b.addFieldOffset(SUBGRAPH.inputs, i, 0);
    b.addFieldOffset(SUBGRAPH.outputs, out, 0);
    b.addFieldOffset(SUBGRAPH.operators, o, 0);
    return b.endObject();
  };
  const subgraphs = [subgraph(), ...Array.from({ length: s.extraSubgraphs ?? 0 }, subgraph)];
  const codes = s.codes.map((c) => {
    const custom = c.custom ? b.createString(c.custom) : 0;
    b.startObject(4);
    b.addFieldInt8(OPERATOR_CODE.deprecatedBuiltinCode, Math.min(c.code, 127), null);
    if (custom) b.addFieldOffset(OPERATOR_CODE.customCode, custom, 0);
    b.addFieldInt32(OPERATOR_CODE.builtinCode, c.code, null);
    return b.endObject();
  });
  const codeVector = offsets(codes);
  const subgraphVector = offsets(subgraphs);
  const bufferVector = offsets(buffers);
  b.startObject(5);
  b.addFieldInt32(MODEL.version, s.version ?? 3, 0);
  b.addFieldOffset(MODEL.operatorCodes, codeVector, 0);
  b.addFieldOffset(MODEL.subgraphs, subgraphVector, 0);
  b.addFieldOffset(MODEL.buffers, bufferVector, 0);
  b.finish(b.endObject(), "TFL3");
  return b.asUint8Array().slice();
}

/** x + c, where c = [1, 2] is a constant: the smallest valid model. */
const addModel = (over: Partial<Sketch> = {}): Sketch => ({
  codes: [{ code: 0 }],
  tensors: [{ shape: [1, 2] }, { shape: [1, 2], buffer: 1 }, { shape: [1, 2] }],
  operators: [{ opcode: 0, inputs: [0, 1], outputs: [2] }],
  inputs: [0],
  outputs: [2],
  buffers: [{}, { data: [...new Uint8Array(Float32Array.of(1, 2).buffer)] }],
  ...over,
});

const errorOf = (bytes: Uint8Array): EngineError => {
  try {
    importTflite(bytes, "sketch");
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error("imported");
};

describe("importTflite on hand-written models", () => {
  it("imports the smallest valid model: x + constant", () => {
    const g = importTflite(build(addModel()), "sketch");
    expect(g.nodes.map((n) => n.op)).toEqual(["Add"]);
    expect(Array.from(g.tensors.get("t1")?.data as Float32Array)).toEqual([1, 2]);
  });

  it("refuses an empty file and a root offset past the end as CORRUPT_MODEL", () => {
    expect(errorOf(new Uint8Array(0)).code).toBe("CORRUPT_MODEL");
    const bytes = build(addModel());
    new DataView(bytes.buffer).setUint32(0, bytes.length + 100, true);
    expect(errorOf(bytes).code).toBe("CORRUPT_MODEL");
  });

  it("refuses a vector claiming 4 billion elements without allocating them", () => {
    const bytes = build(addModel());
    // The shape vector of tensor 0 is [1, 2]: find its length prefix (2) followed by 1, 2 and make it huge.
    const view = new DataView(bytes.buffer);
    let patched = 0;
    for (let p = 0; p + 12 <= bytes.length; p += 4) {
      if (view.getUint32(p, true) === 2 && view.getInt32(p + 4, true) === 1 && view.getInt32(p + 8, true) === 2) {
        view.setUint32(p, 0xffffffff, true);
        patched++;
      }
    }
    expect(patched).toBeGreaterThan(0);
    const e = errorOf(bytes);
    expect(e.code).toBe("CORRUPT_MODEL");
    expect(e.message).toContain("4294967295 elements");
  });

  it("refuses offsets shared far more than a model's (a small file decoding to a huge object graph)", () => {
    // 100 000 operator offsets to one operator whose inputs vector holds 2 000 entries: 2e8 reads if followed.
    const inputs = new Array<number>(2000).fill(0);
    const bytes = build(addModel({ operators: [{ opcode: 0, inputs, outputs: [2] }], repeatFirstOperator: 100_000 }));
    expect(bytes.length).toBeLessThan(500_000);
    const started = performance.now();
    expect(() => readTflite(bytes)).toThrow(/refer to each other far more/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("refuses data stored outside the flatbuffer (the >2 GB layout) as UNSUPPORTED_MODEL", () => {
    const e = errorOf(build(addModel({ buffers: [{}, { offset: 4096n, size: 8n }] })));
    expect(e.code).toBe("UNSUPPORTED_MODEL");
    expect(e.message).toContain("outside its flatbuffer");
  });

  it("refuses a constant whose buffer does not match its shape", () => {
    const e = errorOf(build(addModel({ buffers: [{}, { data: [0, 0, 128, 63] }] })));
    expect(e.code).toBe("CORRUPT_MODEL");
    expect(e.message).toContain("holds 4 bytes, not 8");
  });

  it("refuses schema versions other than 3", () => {
    const e = errorOf(build(addModel({ version: 2 })));
    expect(e.code).toBe("UNSUPPORTED_MODEL");
    expect(e.message).toContain("schema version 2");
  });

  it("imports the primary subgraph of a multi-subgraph model, and refuses control flow by name", () => {
    expect(importTflite(build(addModel({ extraSubgraphs: 2 })), "sketch").nodes).toHaveLength(1);
    const e = errorOf(
      build(
        addModel({
          codes: [{ code: 0 }, { code: 119 }],
          operators: [
            { opcode: 0, inputs: [0, 1], outputs: [2] },
            { opcode: 1, inputs: [2], outputs: [2] },
          ],
          extraSubgraphs: 2,
        }),
      ),
    );
    expect(e.code).toBe("UNSUPPORTED_OPS");
    expect(e.details.ops).toEqual(["WHILE"]);
    expect(e.message).toContain("control flow");
  });

  it("reads the builtin code as the larger of its two fields, and names codes newer than the schema", () => {
    // builtin_code 150 (GELU) with deprecated_builtin_code 127 (PLACEHOLDER_FOR_GREATER_OP_CODES); 250 unknown.
    const e = errorOf(
      build(
        addModel({
          codes: [{ code: 150 }, { code: 250 }],
          operators: [
            { opcode: 0, inputs: [0], outputs: [2] },
            { opcode: 1, inputs: [2], outputs: [2] },
          ],
        }),
      ),
    );
    expect(e.details.ops).toEqual(["GELU", "BUILTIN_250"]);
  });

  it("refuses int16 ADD with power-of-two scaling (no options: the schema's default) as an unsupported variant", () => {
    const int16 = TENSOR_TYPE.INT16;
    const e = errorOf(
      build(
        addModel({
          tensors: [
            { shape: [1, 2], type: int16 },
            { shape: [1, 2], type: int16, buffer: 1 },
            { shape: [1, 2], type: int16 },
          ],
          buffers: [{}, { data: [1, 0, 2, 0] }],
        }),
      ),
    );
    expect(e.code).toBe("UNSUPPORTED_OPS");
    expect(e.details.ops).toEqual(["ADD (int16 with power-of-two scaling)"]);
    expect(e.message).toContain("16x8 mode");
  });

  it("refuses PADV2 whose fill value's type differs from its input's (TFLite refuses that file too)", () => {
    const le = (a: ArrayLike<number>, T: typeof Int32Array | typeof Float32Array) => [
      ...new Uint8Array(T.from(a).buffer),
    ];
    const sketch = (fillType: number, fill: number[]) =>
      build({
        codes: [{ code: 60 }],
        tensors: [
          { shape: [1, 2], type: TENSOR_TYPE.INT16 },
          { shape: [2, 2], type: TENSOR_TYPE.INT32, buffer: 1 },
          { shape: [], type: fillType, buffer: 2 },
          { shape: [1, 4], type: TENSOR_TYPE.INT16 },
        ],
        operators: [{ opcode: 0, inputs: [0, 1, 2], outputs: [3] }],
        inputs: [0],
        outputs: [3],
        buffers: [{}, { data: le([0, 0, 1, 1], Int32Array) }, { data: fill }],
      });
    const e = errorOf(sketch(TENSOR_TYPE.FLOAT32, le([0.5], Float32Array)));
    expect(e.code).toBe("CORRUPT_MODEL");
    expect(e.message).toContain("fills its INT16 input with a FLOAT32 value");
    // The same op with an int16 fill imports, its value read as a real number.
    const g = importTflite(sketch(TENSOR_TYPE.INT16, [7, 0]), "sketch");
    expect(g.nodes[0]?.attrs).toEqual({
      pads: [
        [0, 0],
        [1, 1],
      ],
      value: 7,
    });
  });

  it("refuses an operator that reads a tensor index out of range, or a tensor nothing computes", () => {
    const outOfRange = errorOf(build(addModel({ operators: [{ opcode: 0, inputs: [0, 7], outputs: [2] }] })));
    expect(outOfRange.code).toBe("CORRUPT_MODEL");
    expect(outOfRange.message).toContain("tensor index 7");
    const dangling = errorOf(
      build(addModel({ tensors: [{ shape: [1, 2] }, { shape: [1, 2] }, { shape: [1, 2] }], buffers: [{}] })),
    );
    expect(dangling.code).toBe("CORRUPT_MODEL");
    expect(dangling.message).toContain("before it is computed");
  });

  it("refuses a huge dimension, and a shape of too many values, as OVER_LIMITS before building anything", () => {
    const huge = errorOf(
      build(addModel({ tensors: [{ shape: [1, 2 ** 30] }, { shape: [1, 2], buffer: 1 }, { shape: [1, 2 ** 30] }] })),
    );
    expect(huge.code).toBe("OVER_LIMITS");
    expect(huge.details).toMatchObject({ limit: "dimension", value: 2 ** 30 });
    expect(huge.message).toContain("a dimension of 1,073,741,824");
    const many = errorOf(
      build(addModel({ tensors: [{ shape: [8192, 8192] }, { shape: [1, 2], buffer: 1 }, { shape: [8192, 8192] }] })),
    );
    expect(many.details).toMatchObject({ limit: "tensorElements", value: 8192 * 8192 });
  });

  it("refuses a file listing more operators than the bound", () => {
    const e = errorOf(build(addModel({ repeatFirstOperator: MODEL_LIMITS.ops + 1 })));
    expect(e.details).toMatchObject({ limit: "ops", value: MODEL_LIMITS.ops + 1 });
  });

  it("refuses numbers no kernel can compute with: a NaN softmax beta, a zero point outside int8, a bias of the wrong size", () => {
    // Each imported before, and failed later: the NaN beta as generated C that does not compile (`= NaN`), the
    // bias size as ONNX Runtime's "Invalid bias shape" on the exported model.
    const fc = (over: { beta?: number; zeroPoint?: number; bias?: readonly number[] } = {}): Graph => {
      const t = (name: string, shape: number[], extra: Partial<Tensor> = {}): [string, Tensor] => [
        name,
        { name, dtype: "float32", shape, ...extra },
      ];
      return {
        name: "fc",
        tensors: new Map([
          t("x", [1, 4]),
          t("w", [3, 4], { data: new Float32Array(12).fill(0.5) }),
          t("b", [...(over.bias ?? [3])], { data: new Float32Array((over.bias ?? [3]).reduce((a, c) => a * c, 1)) }),
          t(
            "h",
            [1, 3],
            over.zeroPoint === undefined ? {} : { dtype: "int8", quant: { scale: [0.1], zeroPoint: [over.zeroPoint] } },
          ),
          t("y", [1, 3]),
        ]),
        nodes: [
          {
            name: "fc",
            op: "FullyConnected",
            inputs: ["x", "w", "b"],
            outputs: ["h"],
            attrs: { activation: "none", keepNumDims: false },
          },
          { name: "sm", op: "Softmax", inputs: ["h"], outputs: ["y"], attrs: { beta: over.beta ?? 1 } },
        ],
        inputs: ["x"],
        outputs: ["y"],
      };
    };
    expect(importTflite(writeTfliteUnchecked(fc()), "fc").nodes.map((n) => n.op)).toEqual([
      "FullyConnected",
      "Softmax",
    ]);
    for (const [over, says] of [
      [{ beta: Number.NaN }, 'Softmax "Softmax_1" has beta NaN'],
      [{ beta: 0 }, "has beta 0"],
      [{ zeroPoint: 300 }, "has a zero point outside its int8 range [-128, 127]"],
      [{ bias: [1, 41] }, "bias of shape [1, 41] for 3 output channels"],
    ] as const) {
      const e = errorOf(writeTfliteUnchecked(fc(over)));
      expect(e.code).toBe("CORRUPT_MODEL");
      expect(e.message).toContain(says);
    }
  });

  it("refuses an op that changes its value's dtype (only Quantize and Dequantize do)", () => {
    // Found by the fuzz campaign: a float Softmax writing bool imported, and the ONNX export then failed
    // ("read before it is computed") on the output it could not type.
    const graph: Graph = {
      name: "typed",
      tensors: new Map<string, Tensor>([
        ["x", { name: "x", dtype: "float32", shape: [1, 4] }],
        ["y", { name: "y", dtype: "bool", shape: [1, 4] }],
      ]),
      nodes: [{ name: "sm", op: "Softmax", inputs: ["x"], outputs: ["y"], attrs: { beta: 1 } }],
      inputs: ["x"],
      outputs: ["y"],
    };
    const e = errorOf(writeTfliteUnchecked(graph));
    expect(e.code).toBe("CORRUPT_MODEL");
    expect(e.message).toContain('Softmax "Softmax_0" reads float32 and writes bool ("y")');
  });

  it("refuses a FullyConnected keeping its input's dimensions whose last one is not the weights' depth", () => {
    // Found by the fuzz campaign: [16, 1] × weights [1, 16] was shaped [16, 1] but computes one value (the kernel
    // reads rows of 16), so folding or running it wrote 1 value where 16 were expected.
    const graph: Graph = {
      name: "keep",
      tensors: new Map<string, Tensor>([
        ["x", { name: "x", dtype: "float32", shape: [16, 1] }],
        ["w", { name: "w", dtype: "float32", shape: [1, 16], data: new Float32Array(16).fill(1) }],
        ["y", { name: "y", dtype: "float32", shape: [16, 1] }],
      ]),
      nodes: [
        {
          name: "fc",
          op: "FullyConnected",
          inputs: ["x", "w"],
          outputs: ["y"],
          attrs: { activation: "none", keepNumDims: true },
        },
      ],
      inputs: ["x"],
      outputs: ["y"],
    };
    const e = errorOf(writeTfliteUnchecked(graph));
    expect(e.code).toBe("CORRUPT_MODEL");
    expect(e.message).toContain("keeps the input's dimensions, but its last one is not 16");
  });

  it("refuses shapes that disagree with what the op computes", () => {
    const e = errorOf(
      build(addModel({ tensors: [{ shape: [1, 2] }, { shape: [1, 2], buffer: 1 }, { shape: [1, 3] }] })),
    );
    expect(e.code).toBe("CORRUPT_MODEL");
    expect(e.message).toContain("the file says [1,3]");
  });
});
