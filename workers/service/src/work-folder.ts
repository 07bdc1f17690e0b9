import { mkdir, readdir, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

/**
 * Each worker process works in a folder of its own under WORK_DIR, named after its host and process id
 * (`worker-<host>-<pid>`), so that several workers can share one WORK_DIR. A worker killed with SIGKILL leaves its
 * folder behind; the next worker to start on the same host removes every folder whose process is gone. Folders
 * of other hosts (a WORK_DIR on a shared disk) are left to their own host's workers. A process id reused by an
 * unrelated process keeps its old folder until that process ends too: a leftover kept, never one in use removed.
 */

const PREFIX = "worker-";

export interface WorkerFolder {
  /** This worker's folder: every activity makes its work folder inside it. */
  path: string;
  /** The folders of earlier workers of this host that were removed. */
  removed: string[];
}

/** Whether process `pid` runs on this host (EPERM: it runs, as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The process id a folder of this host is named after, or `null` for another host's folder or another name. */
function pidOf(name: string, host: string): number | null {
  const prefix = `${PREFIX}${host}-`;
  if (!name.startsWith(prefix)) return null;
  const pid = name.slice(prefix.length);
  return /^\d+$/.test(pid) ? Number(pid) : null;
}

/**
 * Claims this process's folder under `workDir` (made afresh: a folder of the same name was left by an earlier
 * process with the same id) after removing the folders of this host's workers that are no longer running.
 */
export async function claimWorkerFolder(
  workDir: string,
  self: { host: string; pid: number } = { host: hostname(), pid: process.pid },
): Promise<WorkerFolder> {
  const host = self.host.replace(/[^\w.-]/g, "_");
  await mkdir(workDir, { recursive: true });
  const removed: string[] = [];
  for (const entry of await readdir(workDir, { withFileTypes: true })) {
    const pid = entry.isDirectory() ? pidOf(entry.name, host) : null;
    if (pid === null || (pid !== self.pid && isRunning(pid))) continue;
    await rm(join(workDir, entry.name), { recursive: true, force: true });
    if (pid !== self.pid) removed.push(join(workDir, entry.name));
  }
  const path = join(workDir, `${PREFIX}${host}-${self.pid}`);
  await mkdir(path, { recursive: true });
  return { path, removed };
}
