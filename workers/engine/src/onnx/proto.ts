import { EngineError } from "../errors.js";

/**
 * The protobuf wire format, as much of it as ONNX needs: a bounds-checked reader and a growable writer.
 *
 * Every length read from the bytes is checked against what is left before anything is sliced or allocated, so
 * a truncated or hostile file ends in a CORRUPT_MODEL error, never an exception from deep inside, a huge
 * allocation or a loop that does not end (each read advances by at least one byte).
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

export const corrupt = (why: string): EngineError =>
  new EngineError(
    "CORRUPT_MODEL",
    `the ONNX file is not a valid protobuf model (${why}); it is truncated or corrupted: export it again`,
  );

const utf8 = new TextDecoder("utf-8");
const utf8Encoder = new TextEncoder();

export class ProtoReader {
  private pos: number;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  get position(): number {
    return this.pos;
  }

  /** A varint as (low 32 bits, high 32 bits), both unsigned. At most 10 bytes. */
  private varintParts(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw corrupt("a number runs past the end of its message");
      const b = this.bytes[this.pos++] as number;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) return [lo >>> 0, hi >>> 0];
    }
    throw corrupt("a varint is longer than 10 bytes");
  }

  /** An unsigned varint that must fit in 32 bits (tags, lengths, enums). */
  uint32(): number {
    const [lo, hi] = this.varintParts();
    if (hi !== 0) throw corrupt("a length or tag does not fit in 32 bits");
    return lo;
  }

  /** An int32/enum field (negative values are sign-extended to 10 bytes on the wire). */
  int32(): number {
    const [lo] = this.varintParts();
    return lo | 0;
  }

  /** An int64 as a JS number (exact for |v| < 2^53; larger values keep their magnitude approximately). */
  int64(): number {
    const [lo, hi] = this.varintParts();
    if (hi >= 0x80000000) return (hi - 0x100000000) * 0x100000000 + lo;
    return hi * 0x100000000 + lo;
  }

  /** An int64 exactly. */
  int64Big(): bigint {
    const [lo, hi] = this.varintParts();
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  /** A uint64 as a number (approximate above 2^53). */
  uint64(): number {
    const [lo, hi] = this.varintParts();
    return hi * 0x100000000 + lo;
  }

  float(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The bytes of a length-delimited field (a view into the input, not a copy). */
  bytesField(): Uint8Array {
    const n = this.uint32();
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    return utf8.decode(this.bytesField());
  }

  /** A reader over a nested message (length-delimited), advancing past it. */
  message(): ProtoReader {
    const n = this.uint32();
    this.need(n);
    const sub = new ProtoReader(this.bytes, this.pos, this.pos + n);
    this.pos += n;
    return sub;
  }

  /** The next field's number and wire type; the caller reads or skips its value. */
  tag(): [field: number, wire: number] {
    const t = this.uint32();
    const field = t >>> 3;
    if (field === 0) throw corrupt("a field number is 0");
    return [field, t & 7];
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varintParts();
        return;
      case WIRE_FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE_LENGTH: {
        const n = this.uint32();
        this.need(n);
        this.pos += n;
        return;
      }
      case WIRE_FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw corrupt(`wire type ${wire} is not used by ONNX`);
    }
  }

  /**
   * A repeated scalar field, packed (one length-delimited run) or not (one value per tag): `readOne` reads one
   * value from the given reader. Appends to `out`.
   */
  repeated<T>(wire: number, scalarWire: number, readOne: (r: ProtoReader) => T, out: T[]): void {
    if (wire === WIRE_LENGTH && scalarWire !== WIRE_LENGTH) {
      const sub = this.message();
      while (!sub.done) out.push(readOne(sub));
      return;
    }
    if (wire !== scalarWire) throw corrupt(`a repeated field has wire type ${wire}`);
    out.push(readOne(this));
  }

  /** Checks that a field's wire type is the expected one. */
  expect(wire: number, expected: number, what: string): void {
    if (wire !== expected) throw corrupt(`${what} has wire type ${wire}, expected ${expected}`);
  }

  private need(n: number): void {
    if (n > this.end - this.pos) throw corrupt(`a field of ${n} bytes runs past the end of its message`);
  }
}

/** A growable protobuf writer. Nested messages are written by `message(field, w => …)`. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;
  private readonly scratch = new DataView(new ArrayBuffer(8));

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /** An unsigned varint of a non-negative integer below 2^53, or a negative int64 (10 bytes, two's complement). */
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, typeof value === "bigint" ? value : BigInt(Math.trunc(value)));
    if (v < 0x80n && typeof value === "number") {
      this.byte(Number(v));
      return;
    }
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      this.byte(v > 0n ? low | 0x80 : low);
    } while (v > 0n);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    this.scratch.setFloat32(0, value, true);
    this.raw(new Uint8Array(this.scratch.buffer, 0, 4));
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LENGTH);
    this.varint(value.length);
    this.raw(value);
  }

  string(field: number, value: string): void {
    this.bytes(field, utf8Encoder.encode(value));
  }

  /** A packed repeated varint field (int64s). */
  packedInts(field: number, values: readonly (number | bigint)[]): void {
    if (values.length === 0) return;
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    this.bytes(field, inner.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const data = new Float32Array(values);
    this.bytes(field, new Uint8Array(data.buffer));
  }

  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
