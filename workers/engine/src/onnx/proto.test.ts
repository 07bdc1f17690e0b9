import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { ProtoReader, ProtoWriter, WIRE_VARINT } from "./proto.js";
import { decodeTensorBytes, emptyTensor, encodeTensorBytes, ONNX_DTYPE } from "./schema.js";
import { constOfTensorProto, readTensorProto } from "./tensor-proto.js";

describe("protobuf wire format", () => {
  it("varints round-trip, negative int64s included (10 bytes, two's complement)", () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40 + 5, -1, -2, -(2 ** 33), Number.MAX_SAFE_INTEGER];
    const w = new ProtoWriter();
    for (const v of values) w.int(1, v);
    w.int(1, 9223372036854775807n);
    const bytes = w.finish();
    const r = new ProtoReader(bytes);
    const back: number[] = [];
    while (!r.done) {
      const [field, wire] = r.tag();
      expect([field, wire]).toEqual([1, WIRE_VARINT]);
      back.push(r.int64());
    }
    expect(back.slice(0, -1)).toEqual(values);
    expect(back.at(-1)).toBe(2 ** 63);
    // -1 takes ten bytes on the wire.
    const minusOne = new ProtoWriter();
    minusOne.varint(-1);
    expect(minusOne.finish()).toHaveLength(10);
  });

  it("a length prefix past the end is CORRUPT_MODEL, not a slice of whatever follows", () => {
    const r = new ProtoReader(Uint8Array.of(0x0a, 0x05, 1, 2, 3));
    r.tag();
    expect(() => r.bytesField()).toThrow(EngineError);
    const sub = new ProtoReader(Uint8Array.of(0x0a, 0x03, 0x08, 0x96, 0x01, 0x08), 0, 5);
    sub.tag();
    const inner = sub.message();
    inner.tag();
    expect(inner.int64()).toBe(150);
    expect(inner.done).toBe(true);
  });
});

describe("TensorProto", () => {
  it("reads packed and unpacked repeated fields, and every data field", () => {
    const t = emptyTensor("t", ONNX_DTYPE.INT64, [2, 2]);
    t.int64Data = [1n, -2n, 3n, -(2n ** 40n)];
    const back = constOfTensorProto(decodeTensorBytes(encodeTensorBytes(t)));
    expect(back.shape).toEqual([2, 2]);
    expect(Array.from(back.values)).toEqual([1, -2, 3, -(2 ** 40)]);
    // Unpacked dims (one tag per value), as some writers emit them.
    const w = new ProtoWriter();
    w.int(1, 3);
    w.int(2, ONNX_DTYPE.INT32);
    for (const v of [7, -8, 9]) w.int(5, v);
    const unpacked = constOfTensorProto(decodeTensorBytes(w.finish()));
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
