import { type Entry, Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from "@zip.js/zip.js";
import { EngineError } from "../errors.js";
import { type NpyArray, parseNpy } from "./npy.js";

const bad = (why: string): never => {
  throw new EngineError("INVALID_DATASET", `the dataset is not a valid .npz file: ${why}`);
};
const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Reads a NumPy .npz archive (np.savez or np.savez_compressed): a zip whose entries `<key>.npy` are arrays.
 * zip.js reads the entries through the zip's central directory (data descriptors and Zip64 included) and checks
 * each array's CRC-32, so a damaged archive is refused rather than read as other numbers.
 */
export async function parseNpz(bytes: Uint8Array): Promise<Map<string, NpyArray>> {
  const zip = new ZipReader(new Uint8ArrayReader(bytes), { useWebWorkers: false, checkSignature: true });
  try {
    const entries: Entry[] = await zip
      .getEntries()
      .catch((e: unknown) => bad(`${reason(e)} (not a zip archive, or truncated)`));
    const arrays = new Map<string, NpyArray>();
    for (const entry of entries) {
      if (entry.directory || !entry.filename.endsWith(".npy")) continue; // np.savez writes only .npy files
      const key = entry.filename.slice(0, -4);
      const content = await entry
        .getData(new Uint8ArrayWriter())
        .catch((e: unknown) => bad(`entry ${entry.filename} cannot be read: ${reason(e)}`));
      arrays.set(key, parseNpy(content, `${key} (in the .npz)`));
    }
    return arrays;
  } finally {
    await zip.close();
  }
}
