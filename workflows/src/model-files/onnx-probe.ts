/**
 * Whether bytes begin like a serialized ONNX `ModelProto`. Protobuf has no magic number, so the probe walks
 * the top-level fields: every tag must be a field of ModelProto with its wire type (ir_version = 1 varint,
 * producer_name = 2, …, graph = 7, opset_import = 8, metadata_props = 14, training_info = 20, functions = 25,
 * configuration = 26), and an `ir_version` between 1 and 100 must be seen. Text never passes: its first byte
 * would have to be 0x08 or a tag of one of those fields followed by consistent lengths.
 */
const VARINT = 0;
const LEN = 2;
const MODEL_PROTO_FIELDS: Readonly<Record<number, number>> = {
  1: VARINT,
  2: LEN,
  3: LEN,
  4: LEN,
  5: VARINT,
  6: LEN,
  7: LEN,
  8: LEN,
  14: LEN,
  20: LEN,
  25: LEN,
  26: LEN,
};

function readVarint(buf: Uint8Array, at: number): { value: number; next: number } | null {
  let value = 0;
  let shift = 1;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const byte = buf[i] as number;
    value += (byte & 0x7f) * shift;
    shift *= 128;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
  }
  return null;
}

export function looksLikeOnnxModel(head: Uint8Array, size: number): boolean {
  let at = 0;
  let irVersion: number | null = null;
  let fields = 0;
  while (at < head.length) {
    const tag = readVarint(head, at);
    if (!tag) break; // the head ends inside a tag: judge what was read
    const field = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    if (MODEL_PROTO_FIELDS[field] !== wire) return false;
    const body = readVarint(head, tag.next);
    if (!body) break;
    fields++;
    if (wire === VARINT) {
      if (field === 1) irVersion = body.value;
      at = body.next;
    } else {
      const end = body.next + body.value;
      if (end > size) return false; // a length past the end of the file
      at = end;
    }
  }
  return fields > 0 && irVersion !== null && irVersion >= 1 && irVersion <= 100;
}
