import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createTarGz, extractTarGz } from "./tar.js";

/**
 * The generated C as users download it: `c.tar.gz` with entries `c/model.c`, `c/model.h`, `c/tinyml/…`.
 * `workDir` is a folder the caller owns and removes.
 */
export async function packGeneratedC(
  files: Iterable<[string, string]>,
  workDir: string,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  for (const [path, text] of files) {
    await mkdir(dirname(join(workDir, "c", path)), { recursive: true });
    await writeFile(join(workDir, "c", path), text);
  }
  await createTarGz(join(workDir, "c.tar.gz"), workDir, ["c"], signal);
  return readFile(join(workDir, "c.tar.gz"));
}

/**
 * Unpacks a `c.tar.gz` of `packGeneratedC` into `into` (the files land under `into/c/`); the archive is written
 * to `workDir` first.
 */
export async function unpackGeneratedC(
  archive: Uint8Array,
  { workDir, into = workDir }: { workDir: string; into?: string },
  signal?: AbortSignal,
): Promise<void> {
  const path = join(workDir, "c.tar.gz");
  await writeFile(path, archive);
  await extractTarGz(path, into, signal);
}
