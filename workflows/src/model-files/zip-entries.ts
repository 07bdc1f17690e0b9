import { ZipReader } from "@zip.js/zip.js";
import type { ModelSample } from "./model-sample.js";
import { SampleReader } from "./sample-reader.js";

const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY_ARCHIVE = [0x50, 0x4b, 0x05, 0x06];

/** Whether the file begins as a zip archive does (a first local header, or the end record of an empty zip). */
export const startsAsZip = (sample: ModelSample): boolean =>
  [ZIP_LOCAL_HEADER, ZIP_EMPTY_ARCHIVE].some((signature) => signature.every((b, i) => sample.head[i] === b));

/**
 * Names of the entries of a zip archive, read by zip.js from its central directory (Zip64 included), which must
 * lie in the sample's tail; `null` when the file is no zip or its directory cannot be read from the sample.
 * The directory is the archive's own index: unlike the local headers, it lists every entry even when the
 * writer used data descriptors, as PyTorch does.
 */
export async function zipEntryNames(sample: ModelSample): Promise<string[] | null> {
  if (!startsAsZip(sample)) return null;
  const reader = new ZipReader(new SampleReader(sample), { useWebWorkers: false });
  try {
    return (await reader.getEntries()).map((entry) => entry.filename);
  } catch {
    return null; // truncated, damaged, or its directory is not within the sample
  } finally {
    await reader.close();
  }
}
