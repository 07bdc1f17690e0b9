import { inflateRawSync } from "node:zlib";
import { EngineError } from "../errors.js";
import { type NpyArray, parseNpy } from "./npy.js";

const bad = (why: string): never => {
  throw new EngineError("INVALID_DATASET", `the dataset is not a valid .npz file: ${why}`);
};

/**
 * Reads a NumPy .npz archive (np.savez or np.savez_compressed): a zip whose entries `<key>.npy` are arrays.
 * Entries are found through the zip's central directory (so data descriptors and zip64 sizes of small
 * archives are handled); stored and deflated entries are supported.
 */
export function parseNpz(bytes: Uint8Array): Map<string, NpyArray> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: signature 0x06054b50 within the last 65,557 bytes.
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 65557); p--) {
    if (view.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) bad("no zip end-of-central-directory record (not a zip archive, or truncated)");
  const entries = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const arrays = new Map<string, NpyArray>();
  for (let i = 0; i < entries; i++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== 0x02014b50) bad("corrupt central directory");
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    p += 46 + nameLength + extraLength + commentLength;

    if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== 0x04034b50)
      bad(`corrupt entry ${name}`);
    const dataStart =
      localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (dataStart + compressedSize > bytes.length) bad(`entry ${name} is truncated`);
    const raw = bytes.subarray(dataStart, dataStart + compressedSize);
    let content: Uint8Array;
    if (method === 0) content = raw;
    else if (method === 8) {
      try {
        content = inflateRawSync(raw);
      } catch {
        return bad(`entry ${name} does not inflate`);
      }
    } else return bad(`entry ${name} uses zip compression method ${method} (only stored and deflate are supported)`);
    if (!name.endsWith(".npy")) continue;
    const key = name.slice(0, -4);
    arrays.set(key, parseNpy(content, `${key} (in the .npz)`));
  }
  return arrays;
}
