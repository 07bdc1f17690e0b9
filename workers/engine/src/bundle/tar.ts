import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * gzip'd tar archives with the system `tar`, as users unpack them (`tar -xzf`). Entries are named relative to
 * `dir`; extraction refuses absolute names and `..` (GNU tar's defaults) and does not keep owners.
 */
export async function createTarGz(
  archive: string,
  dir: string,
  entries: string[],
  signal?: AbortSignal,
): Promise<void> {
  await tar(["-czf", archive, "-C", dir, "--", ...entries], signal);
}

export async function extractTarGz(archive: string, dir: string, signal?: AbortSignal): Promise<void> {
  await tar(["-xzf", archive, "-C", dir, "--no-same-owner", "--no-same-permissions"], signal);
}

async function tar(args: string[], signal?: AbortSignal): Promise<void> {
  try {
    await run("tar", args, { maxBuffer: 16 * 1024 * 1024, ...(signal ? { signal } : {}) });
  } catch (e) {
    if (signal?.aborted) throw signal.reason ?? e;
    const err = e as { stderr?: string; message: string };
    throw new Error(`tar ${args[0]} failed: ${(err.stderr ?? "").trim() || err.message}`);
  }
}
