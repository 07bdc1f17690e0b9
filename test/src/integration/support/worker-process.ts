import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { inject } from "vitest";
import { REPO_ROOT } from "../../services/launch.js";

const env = inject("stackEnv");

/** A worker process (workers/service dist/worker.js) started by a test, with its output. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves once the worker says it polls its queues; fails with its output if it exits or takes 30 s. */
  polling(): Promise<void>;
  /** SIGKILL if it still runs. */
  kill(): void;
}

/** Starts the optimize worker on the stack's Temporal server with `vars` (TASK_QUEUE, WORK_DIR, …) added. */
export function startWorkerProcess(vars: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [join(REPO_ROOT, "workers/service/dist/worker.js")], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS as string,
      METRICS_PORT: "0",
      TEMPORAL_METRICS_PORT: "0",
      ...vars,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    pid: child.pid as number,
    output: () => output,
    exited,
    async polling() {
      const deadline = Date.now() + 30_000;
      while (!output.includes("worker polling task queue")) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the worker did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
