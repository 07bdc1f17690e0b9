import { ByteBuffer } from "flatbuffers";
import { EngineError } from "../errors.js";
import { vtableSlot } from "./schema.js";

/**
 * Bounds-checked access to a flatbuffer. Every offset is followed only after checking that what it points to
 * (a table's vtable and inline fields, a vector's length and elements, a string's bytes) lies inside the
 * buffer, so a truncated, corrupted or hostile file gives a CORRUPT_MODEL error instead of a RangeError, a
 * garbage read or a huge allocation. Flatbuffers may share sub-objects (several offsets to one table), so a
 * hostile file could make a small buffer decode into an enormous object graph: an element budget
 * proportional to the file's size bounds the total work (legitimate models decode to far less than it). The
 * reader follows the schema's fixed nesting (Model → SubGraph → Tensor → QuantizationParameters), never the
 * file's, so its depth is bounded too.
 */
export class CheckedBuffer {
  readonly bb: ByteBuffer;
  readonly size: number;
  private budget: number;
  private readonly what: string;

  constructor(bytes: Uint8Array, what = "the TFLite file") {
    // A plain view: a Node Buffer's slice() shares memory, so data sliced from it would not be a copy.
    this.bb = new ByteBuffer(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.size = bytes.length;
    this.budget = 8 * bytes.length + 4096;
    this.what = what;
  }

  fail(why: string): never {
    throw new EngineError(
      "CORRUPT_MODEL",
      `${this.what} is corrupt or truncated (${why}); re-export the model from its framework and upload it again`,
      { reason: why },
    );
  }

  /** Throws unless bytes [pos, pos + length) are inside the buffer. */
  check(pos: number, length: number, what: string): void {
    if (!(Number.isSafeInteger(pos) && pos >= 0 && length >= 0 && pos + length <= this.size)) {
      this.fail(`${what} at byte ${pos} (${length} bytes) lies outside the ${this.size}-byte file`);
    }
  }

  /** Spends `n` units of the decoding budget. */
  spend(n: number, what: string): void {
    this.budget -= n;
    if (this.budget < 0) this.fail(`${what}: the file's tables refer to each other far more than a model's do`);
  }

  /** The root table (the uoffset at byte 0). */
  root(what: string): CheckedTable {
    this.check(0, 8, "the root offset");
    return this.tableAt(this.bb.readUint32(0), what);
  }

  /** The table starting at `pos`: checks its vtable and its inline size. */
  tableAt(pos: number, what: string): CheckedTable {
    this.spend(1, what);
    this.check(pos, 4, what);
    const vtable = pos - this.bb.readInt32(pos);
    this.check(vtable, 4, `the vtable of ${what}`);
    const vtableSize = this.bb.readUint16(vtable);
    const inlineSize = this.bb.readUint16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) this.fail(`the vtable of ${what} has size ${vtableSize}`);
    this.check(vtable, vtableSize, `the vtable of ${what}`);
    if (inlineSize < 4) this.fail(`${what} has inline size ${inlineSize}`);
    this.check(pos, inlineSize, what);
    return new CheckedTable(this, pos, vtable, vtableSize, inlineSize, what);
  }
}

/** A bounds-checked view of one table. Field readers take the field's id in the schema. */
export class CheckedTable {
  constructor(
    readonly buf: CheckedBuffer,
    readonly pos: number,
    private readonly vtable: number,
    private readonly vtableSize: number,
    private readonly inlineSize: number,
    readonly what: string,
  ) {}

  /** Absolute position of field `id` (checked to hold `size` bytes inside the table), or 0 when absent. */
  private field(id: number, size: number, name: string): number {
    const slot = vtableSlot(id);
    if (slot + 2 > this.vtableSize) return 0;
    const offset = this.buf.bb.readUint16(this.vtable + slot);
    if (offset === 0) return 0;
    if (offset + size > this.inlineSize) {
      this.buf.fail(`field ${name} of ${this.what} lies outside its table`);
    }
    return this.pos + offset;
  }

  has(id: number): boolean {
    const slot = vtableSlot(id);
    return slot + 2 <= this.vtableSize && this.buf.bb.readUint16(this.vtable + slot) !== 0;
  }

  int8(id: number, dflt: number, name = `#${id}`): number {
    const p = this.field(id, 1, name);
    return p === 0 ? dflt : this.buf.bb.readInt8(p);
  }
  uint8(id: number, dflt: number, name = `#${id}`): number {
    const p = this.field(id, 1, name);
    return p === 0 ? dflt : this.buf.bb.readUint8(p);
  }
  bool(id: number, dflt: boolean, name = `#${id}`): boolean {
    const p = this.field(id, 1, name);
    return p === 0 ? dflt : this.buf.bb.readUint8(p) !== 0;
  }
  int32(id: number, dflt: number, name = `#${id}`): number {
    const p = this.field(id, 4, name);
    return p === 0 ? dflt : this.buf.bb.readInt32(p);
  }
  uint32(id: number, dflt: number, name = `#${id}`): number {
    const p = this.field(id, 4, name);
    return p === 0 ? dflt : this.buf.bb.readUint32(p);
  }
  float32(id: number, dflt: number, name = `#${id}`): number {
    const p = this.field(id, 4, name);
    return p === 0 ? dflt : this.buf.bb.readFloat32(p);
  }
  uint64(id: number, dflt: bigint, name = `#${id}`): bigint {
    const p = this.field(id, 8, name);
    return p === 0 ? dflt : this.buf.bb.readUint64(p);
  }

  /** Target of the uoffset in field `id` (checked to leave 4 bytes), or undefined when absent. */
  private target(id: number, name: string): number | undefined {
    const p = this.field(id, 4, name);
    if (p === 0) return undefined;
    const target = p + this.buf.bb.readUint32(p);
    this.buf.check(target, 4, `${name} of ${this.what}`);
    return target;
  }

  table(id: number, name: string): CheckedTable | undefined {
    const t = this.target(id, name);
    return t === undefined ? undefined : this.buf.tableAt(t, `${name} of ${this.what}`);
  }

  /** Start and length of the vector in field `id`, all its elements checked to lie in the buffer. */
  private vector(id: number, elementSize: number, name: string): { start: number; length: number } | undefined {
    const t = this.target(id, name);
    if (t === undefined) return undefined;
    const length = this.buf.bb.readUint32(t);
    this.buf.check(t + 4, length * elementSize, `vector ${name} of ${this.what} (${length} elements)`);
    this.buf.spend(elementSize === 1 ? 1 : length, `vector ${name} of ${this.what}`);
    return { start: t + 4, length };
  }

  int32s(id: number, name: string): number[] | undefined {
    const v = this.vector(id, 4, name);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.buf.bb.readInt32(v.start + 4 * i);
    return out;
  }

  float32s(id: number, name: string): number[] | undefined {
    const v = this.vector(id, 4, name);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.buf.bb.readFloat32(v.start + 4 * i);
    return out;
  }

  /** An int64 vector as numbers (exact below 2^53; larger values are returned rounded). */
  int64s(id: number, name: string): number[] | undefined {
    const v = this.vector(id, 8, name);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(this.buf.bb.readInt64(v.start + 8 * i));
    return out;
  }

  /** A ubyte vector, as a view into the file (no copy). */
  bytes(id: number, name: string): Uint8Array | undefined {
    const v = this.vector(id, 1, name);
    if (!v) return undefined;
    return this.buf.bb.bytes().subarray(v.start, v.start + v.length);
  }

  string(id: number, name: string): string | undefined {
    const b = this.bytes(id, name);
    return b === undefined ? undefined : new TextDecoder("utf-8").decode(b);
  }

  /** A vector of tables. */
  tables(id: number, name: string): CheckedTable[] | undefined {
    const v = this.vector(id, 4, name);
    if (!v) return undefined;
    const out: CheckedTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const p = v.start + 4 * i;
      out.push(this.buf.tableAt(p + this.buf.bb.readUint32(p), `${name}[${i}] of ${this.what}`));
    }
    return out;
  }
}
