import type { Builder } from "flatbuffers";
import type { QuantParams } from "../ir/tensor.js";
import type { FieldOfKind, OptionField } from "./option-fields.js";
import { type OptionsTable, type OptionValue, QUANTIZATION } from "./schema.js";

/** TFLM reads constant data in place: each buffer starts on a 16-byte boundary (as the converter aligns them). */
const BUFFER_ALIGNMENT = 16;

export function int32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] as number);
  return b.endVector();
}

function float32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i] as number);
  return b.endVector();
}

function int64Vector(b: Builder, values: readonly number[]): number {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i] as number));
  return b.endVector();
}

export function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] as number);
  return b.endVector();
}

/** A ubyte vector whose first byte lies on a BUFFER_ALIGNMENT boundary of the finished file. */
export function alignedBytes(b: Builder, bytes: Uint8Array): number {
  b.startVector(1, bytes.length, BUFFER_ALIGNMENT);
  for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i] as number);
  return b.endVector();
}

/** Adds one options field; `vector` is the offset of an int32[] field's vector, written before the table. */
type FieldWriter<F extends OptionField> = (b: Builder, field: F, value: OptionValue, vector: number) => void;

const FIELD_WRITERS: { [K in OptionField["kind"]]: FieldWriter<FieldOfKind<K>> } = {
  int8: (b, f, v) => b.addFieldInt8(f.id, v as number, f.default),
  int32: (b, f, v) => b.addFieldInt32(f.id, v as number, f.default),
  float32: (b, f, v) => b.addFieldFloat32(f.id, v as number, f.default),
  bool: (b, f, v) => b.addFieldInt8(f.id, v ? 1 : 0, f.default ? 1 : 0),
  "int32[]": (b, f, _v, vector) => b.addFieldOffset(f.id, vector, 0),
};

/** An options table: its vectors first (flatbuffers cannot nest them inside the table), then the given fields. */
export function writeOptions(b: Builder, table: OptionsTable, values: Record<string, OptionValue>): number {
  const vectors = new Map<string, number>();
  for (const [name, f] of Object.entries(table.fields)) {
    const v = values[name];
    if (f.kind === "int32[]" && Array.isArray(v)) vectors.set(name, int32Vector(b, v));
  }
  b.startObject(Object.keys(table.fields).length);
  for (const [name, f] of Object.entries(table.fields)) {
    const v = values[name];
    if (v !== undefined) (FIELD_WRITERS[f.kind] as FieldWriter<OptionField>)(b, f, v, vectors.get(name) ?? 0);
  }
  return b.endObject();
}

export function writeQuantization(b: Builder, q: QuantParams): number {
  const scale = float32Vector(b, q.scale);
  const zeroPoint = int64Vector(b, q.zeroPoint);
  b.startObject(7);
  b.addFieldOffset(QUANTIZATION.scale, scale, 0);
  b.addFieldOffset(QUANTIZATION.zeroPoint, zeroPoint, 0);
  b.addFieldInt32(QUANTIZATION.quantizedDimension, q.axis ?? 0, 0);
  return b.endObject();
}
