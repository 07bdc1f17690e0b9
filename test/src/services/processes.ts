import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "./launch.js";

/** A process of the grid (a worker, a farm agent) started by a test, its output kept in a log file. */
export interface GridProcess {
  name: string;
  child: ChildProcess;
  logPath: string;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves when a line matching `pattern` has been printed (rejects when it exits first or after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGKILL, as a crashed host would: no shutdown hooks run. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

function startGridProcess(
  name: string,
  args: string[],
  options: { env: Record<string, string | undefined>; logDir: string },
): GridProcess {
  const logPath = join(options.logDir, `${name}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    text += d.toString();
    log.write(d);
    for (const l of listeners) l();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.once("exit", () => {
    log.end();
    for (const l of listeners) l();
  });
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    name,
    child,
    logPath,
    output: () => text,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) finish();
          else if (child.exitCode !== null || child.signalCode !== null)
            finish(
              new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${text}`),
            );
        };
        const timer = setTimeout(
          () => finish(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${text}`)),
          timeoutMs,
        );
        const finish = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
    kill9: () => stopWith("SIGKILL"),
    stop: () => stopWith("SIGTERM"),
  };
}

/** The control plane's server process (control-plane/dist/server.js), configured by `env`; `nodeArgs` go to node. */
export function startControlPlane(
  name: string,
  env: Record<string, string>,
  logDir: string,
  nodeArgs: string[] = [],
): GridProcess {
  return startGridProcess(name, [...nodeArgs, join(REPO_ROOT, "control-plane/dist/server.js")], { env, logDir });
}

/** The optimize worker process (workers/service). */
export function startWorker(name: string, env: Record<string, string>, logDir: string): GridProcess {
  return startGridProcess(name, [join(REPO_ROOT, "workers/service/dist/worker.js")], { env, logDir });
}

/** A farm agent process with `boards` QEMU boards of `target`. */
export async function startFarmAgent(
  name: string,
  board: { target: string; count: number },
  env: Record<string, string>,
  logDir: string,
): Promise<GridProcess> {
  await mkdir(logDir, { recursive: true });
  const configPath = join(logDir, `${name}.json`);
  const boards = Array.from({ length: board.count }, (_, i) => ({
    id: `${name}-${board.target}-${i + 1}`,
    target: board.target,
    connection: { driver: "qemu" },
  }));
  await writeFile(configPath, JSON.stringify({ host: name, boards }, null, 2));
  return startGridProcess(
    name,
    [join(REPO_ROOT, "hardware-farm/agent/bin/tinyml-farm-agent.js"), "--config", configPath],
    {
      env,
      logDir,
    },
  );
}
