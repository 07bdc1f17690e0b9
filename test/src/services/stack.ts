import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { findFreePortRange, REPO_ROOT, type RunningService, type ServiceName, startService } from "./launch.js";

/** Where test runs keep their services' state; ops/test stops anything left here when it exits. */
export const TEST_SERVICES_DIR = join(REPO_ROOT, ".tmp", "test-services");

export interface Stack {
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the named services in parallel, each in its own directory under one run directory, and returns
 * their merged variables. If one fails to start, the others are stopped before the error is thrown.
 */
export async function startStack(names: ServiceName[]): Promise<Stack> {
  const runDir = join(TEST_SERVICES_DIR, `${process.pid}-${Date.now()}`);
  await mkdir(runDir, { recursive: true });
  // SeaweedFS needs six consecutive ports; the others one. One range serves all, without overlap.
  const base = await findFreePortRange(8);
  const ports: Record<ServiceName, number> = { postgres: base, temporal: base + 1, s3: base + 2 };
  const results = await Promise.allSettled(names.map((n) => startService(n, join(runDir, n), ports[n])));
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const stopAll = async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
    await rm(runDir, { recursive: true, force: true });
  };
  const failures = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason)] : []));
  if (failures.length > 0) {
    await stopAll();
    throw new Error(failures.join("\n"));
  }
  return { env: Object.assign({}, ...started.map((s: RunningService) => s.env)), stop: stopAll };
}
