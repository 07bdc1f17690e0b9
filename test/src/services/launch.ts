import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root (this file is test/src/services/launch.ts or test/dist/services/launch.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export type ServiceName = "postgres" | "temporal" | "s3";

export interface RunningService {
  name: ServiceName;
  dir: string;
  /** Variables the service printed when ready (DATABASE_URL, TEMPORAL_ADDRESS, S3_ENDPOINT, …). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts one of the ops/services scripts with its state in `dir`, waits until it is ready (the script does),
 * and returns the variables it printed. `stop()` ends it and waits for it to exit.
 */
export async function startService(name: ServiceName, dir: string, port: number): Promise<RunningService> {
  const script = resolve(REPO_ROOT, "ops/services", name);
  const { stdout } = await run(script, ["start", "--dir", dir, "--port", String(port)], { timeout: 120_000 }).catch(
    (e: { stderr?: string; message: string }) => {
      throw new Error(`${name} did not start: ${e.stderr?.trim() || e.message}`);
    },
  );
  const env = Object.fromEntries(
    stdout
      .split("\n")
      .map((line) => line.match(/^([A-Z0-9_]+)=(.*)$/))
      .filter((m): m is RegExpMatchArray => m !== null)
      .map((m) => [m[1] as string, m[2] as string]),
  );
  return {
    name,
    dir,
    env,
    stop: async () => {
      await run(script, ["stop", "--dir", dir], { timeout: 60_000 });
    },
  };
}

const portIsFree = (port: number): Promise<boolean> =>
  new Promise((done) => {
    const probe = createServer();
    probe.once("error", () => done(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => done(true)));
  });

/**
 * A base port P such that P … P+span-1 and their gRPC twins (+10000, used by SeaweedFS) are free on
 * loopback. Randomised so that parallel runs on one machine rarely collide.
 */
export async function findFreePortRange(span: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 25000);
    const ports = Array.from({ length: span }, (_, i) => [base + i, base + i + 10000]).flat();
    const free = await Promise.all(ports.map(portIsFree));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no free range of ${span} ports found on 127.0.0.1`);
}
