import type { ModelFileFormat } from "@tinyml/workflows/contracts";
import { EngineError } from "./errors.js";

/**
 * Recognises a model container by its content, never by its name:
 * - TFLite: a FlatBuffer whose file identifier (bytes 4..7) is "TFL3";
 * - Keras HDF5: the HDF5 superblock signature "\x89HDF\r\n\x1a\n" at offset 0 (or 512/1024/2048 when a user
 *   block precedes it);
 * - zip archives (PKZIP local header "PK\x03\x04"): a PyTorch archive holds `<name>/data.pkl`, a SavedModel
 *   archive holds `saved_model.pb` or `saved_model.pbtxt`;
 * - ONNX: a protobuf ModelProto. Its first field on the wire is one of the ModelProto fields (ir_version = 1
 *   as varint, producer_name = 2, …, graph = 7, opset_import = 8, …); we walk the top-level fields and
 *   require a well-formed message containing a graph (field 7, length-delimited).
 */
export function detectModelFormat(bytes: Uint8Array): ModelFileFormat {
  if (bytes.length === 0) {
    throw new EngineError("EMPTY_MODEL_FILE", "The model file is empty.");
  }
  if (bytes.length >= 8 && ascii(bytes, 4, 8) === "TFL3") return "tflite";
  if (isHdf5(bytes)) return "keras-h5";
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    const names = zipEntryNames(bytes);
    if (names.some((n) => /(^|\/)data\.pkl$/.test(n))) return "pytorch-zip";
    if (names.some((n) => /(^|\/)saved_model\.pb(txt)?$/.test(n))) return "savedmodel-zip";
    throw new EngineError(
      "UNRECOGNIZED_MODEL_FORMAT",
      "The file is a zip archive but neither a TensorFlow SavedModel (no saved_model.pb) nor a PyTorch model (no data.pkl).",
    );
  }
  if (isOnnxModelProto(bytes)) return "onnx";
  throw new EngineError(
    "UNRECOGNIZED_MODEL_FORMAT",
    "The file is not a model this service reads: expected a TensorFlow Lite flatbuffer, an ONNX model, a Keras HDF5 file, a zipped SavedModel or a PyTorch archive.",
  );
}

const ascii = (b: Uint8Array, start: number, end: number): string => String.fromCharCode(...b.subarray(start, end));

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
function isHdf5(b: Uint8Array): boolean {
  return [0, 512, 1024, 2048].some(
    (offset) => b.length >= offset + 8 && HDF5_SIGNATURE.every((v, i) => b[offset + i] === v),
  );
}

/** Names of the entries of a zip archive, read from its local file headers. */
function zipEntryNames(b: Uint8Array): string[] {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const names: string[] = [];
  let p = 0;
  while (p + 30 <= b.length && view.getUint32(p, true) === 0x04034b50) {
    const flags = view.getUint16(p + 6, true);
    const compressedSize = view.getUint32(p + 18, true);
    const nameLength = view.getUint16(p + 26, true);
    const extraLength = view.getUint16(p + 28, true);
    if (p + 30 + nameLength > b.length) break;
    names.push(new TextDecoder().decode(b.subarray(p + 30, p + 30 + nameLength)));
    // With a data descriptor (flag bit 3) the size is not in the local header: stop walking, the
    // central directory would be needed. Model archives written by torch.save and zip do not use it.
    if (flags & 0x08) break;
    p += 30 + nameLength + extraLength + compressedSize;
  }
  return names;
}

/** Reads a protobuf varint at p; returns [value, next position] or undefined when truncated. */
function readVarint(b: Uint8Array, p: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (p >= b.length) return undefined;
    const byte = b[p++] as number;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, p];
    scale *= 128;
  }
  return undefined;
}

/** ModelProto field numbers (onnx.proto): 1 ir_version … 20 configuration. */
const ONNX_MODEL_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 21, 25]);

function isOnnxModelProto(b: Uint8Array): boolean {
  let p = 0;
  let sawGraph = false;
  while (p < b.length) {
    const key = readVarint(b, p);
    if (!key) return false;
    const [tag, afterKey] = key;
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (!ONNX_MODEL_FIELDS.has(field)) return false;
    if (wireType === 0) {
      const v = readVarint(b, afterKey);
      if (!v) return false;
      p = v[1];
    } else if (wireType === 2) {
      const len = readVarint(b, afterKey);
      if (!len || len[1] + len[0] > b.length) return false;
      if (field === 7) sawGraph = true;
      p = len[1] + len[0];
    } else {
      return false;
    }
  }
  return sawGraph;
}
