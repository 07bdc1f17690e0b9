import { describe, expect, it } from "vitest";
import { onnx } from "../../generated/onnx-pb.js";
import { EngineError } from "../errors.js";
import { decodeModel, decodeTensorBytes } from "./decode.js";
import { encodeModel, encodeTensorBytes } from "./encode.js";
import { ATTR, attribute, emptyTensor, ONNX_DTYPE } from "./schema.js";
import { constOfTensorProto, readTensorProto } from "./tensor-proto.js";

describe("ONNX messages through the code generated from onnx.proto", () => {
  it("int64 fields come back as numbers, negative ones and ones above 2^32 included", () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40 + 5, -1, -2, -(2 ** 33), Number.MAX_SAFE_INTEGER];
    const bytes = encodeModel({
      irVersion: 2 ** 40,
      opsetImport: [{ domain: "", version: 17 }],
      producerName: "test",
      producerVersion: "",
      functionCount: 0,
      graph: {
        name: "g",
        nodes: [{ name: "", opType: "X", domain: "", inputs: [], outputs: [], attributes: [] }],
        initializers: [],
        sparseInitializerCount: 0,
        inputs: [],
        outputs: [],
        valueInfo: [],
      },
    });
    const model = decodeModel(bytes);
    expect(model.irVersion).toBe(2 ** 40);
    const withInts = attribute("v", ATTR.INTS, { ints: values });
    const node = { name: "n", opType: "X", domain: "", inputs: [], outputs: [], attributes: [withInts] };
    const graph = { ...(model.graph as NonNullable<typeof model.graph>), nodes: [node] };
    const back = decodeModel(encodeModel({ ...model, graph }));
    expect(back.graph?.nodes[0]?.attributes[0]?.ints).toEqual(values);
    // -1 takes ten bytes on the wire (two's complement), as protoc writes it.
    expect(onnx.AttributeProto.encode({ i: -1 }).finish()).toHaveLength(11);
  });

  it("a length prefix past the end is CORRUPT_MODEL, not a slice of whatever follows", () => {
    expect(() => decodeTensorBytes(Uint8Array.of(0x42, 0x05, 0x61, 0x62))).toThrow(EngineError);
    expect(() => decodeTensorBytes(Uint8Array.of(0x42, 0x05, 0x61, 0x62))).toThrow(/CORRUPT|not a valid protobuf/);
  });
});

describe("TensorProto", () => {
  it("reads packed and unpacked repeated fields, and every data field", () => {
    const t = emptyTensor("t", ONNX_DTYPE.INT64, [2, 2]);
    t.int64Data = [1n, -2n, 3n, -(2n ** 40n)];
    const back = constOfTensorProto(decodeTensorBytes(encodeTensorBytes(t)));
    expect(back.shape).toEqual([2, 2]);
    expect(Array.from(back.values)).toEqual([1, -2, 3, -(2 ** 40)]);
    // Packed int32 data (one length-delimited run), as writers built on proto3 emit it.
    const packed = Uint8Array.of(
      0x08,
      0x03,
      0x10,
      ONNX_DTYPE.INT32,
      0x2a,
      0x0c,
      7,
      ...[0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      9,
    );
    const unpacked = constOfTensorProto(decodeTensorBytes(packed));
    expect(unpacked.dtype).toBe("int32");
    expect(Array.from(unpacked.values)).toEqual([7, -8, 9]);
    const f16 = emptyTensor("h", ONNX_DTYPE.FLOAT16, [2]);
    f16.int32Data = [0x3c00, 0xc000];
    expect(Array.from(constOfTensorProto(f16).values)).toEqual([1, -2]);
  });

  it("refuses data whose length does not match the shape", () => {
    const t = emptyTensor("t", ONNX_DTYPE.FLOAT, [3]);
    t.rawData = new Uint8Array(8);
    expect(() => constOfTensorProto(t)).toThrow(/holds 2 values/);
    expect(() => readTensorProto(encodeTensorBytes(t))).toThrow(EngineError);
  });
});
