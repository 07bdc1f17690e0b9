import { type ChildProcess, fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { BatchMessage, RunnerMessage } from "./child.js";

/**
 * One runner process of the campaign, watched from outside: a case that runs past the time limit, a process
 * tree (the runner and the compilers and programs it starts) over the memory cap, or a runner that dies, ends
 * the runner (its whole process group, killed) and names the case it was on: the one after the last it reported.
 */
export type BatchEnd =
  | { ended: "done" }
  | { ended: "hang" | "memory" | "died"; at: number; seconds: number; rssBytes: number; detail: string };

export interface RunnerLimits {
  caseTimeoutMs: number;
  memoryBytes: number;
}

/** The resident memory of a process and its descendants (Linux /proc), in bytes; 0 when it is gone. */
function treeRss(pid: number): number {
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const p = pending.pop() as number;
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      total += rss ? Number(rss[1]) * 1024 : 0;
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
        if (children) pending.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // the process ended while it was read
    }
  }
  return total;
}

export class Runner {
  private child: ChildProcess | undefined;
  private stderrTail = "";
  peakTreeRss = 0;

  constructor(
    private readonly script: string,
    private readonly limits: RunnerLimits,
    private readonly onMessage: (m: Extract<RunnerMessage, { kind: "case" | "generator-error" }>) => void,
  ) {}

  /** Starts the runner process (the seeds load once per process) unless one is running. */
  async start(): Promise<void> {
    if (this.child) return;
    const heapMb = Math.floor(this.limits.memoryBytes / 2 ** 20);
    const child = fork(this.script, [], {
      execArgv: [`--max-old-space-size=${heapMb}`],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      detached: true, // its own process group: a kill takes the compilers it started too
    });
    child.stderr?.on("data", (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once("message", (m: RunnerMessage) => (m.kind === "ready" ? resolve() : reject(new Error("bad hello"))));
      child.once("exit", (code) => reject(new Error(`the runner exited (${code}) while loading:\n${this.stderrTail}`)));
    });
  }

  stop(): void {
    const child = this.child;
    this.child = undefined;
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  /** Runs one batch; resolves when it is done or when the runner had to end (and says at which case). */
  run(batch: BatchMessage): Promise<BatchEnd> {
    const child = this.child as ChildProcess;
    let cursor = batch.from;
    let lastHeard = Date.now();
    let caseRss = 0;
    return new Promise<BatchEnd>((resolve) => {
      const finish = (end: BatchEnd) => {
        clearInterval(watchdog);
        child.off("message", onMessage);
        child.off("exit", onExit);
        if (end.ended !== "done") this.stop();
        resolve(end);
      };
      const fault = (ended: "hang" | "memory" | "died", detail: string) =>
        finish({ ended, at: cursor, seconds: (Date.now() - lastHeard) / 1000, rssBytes: caseRss, detail });
      const onMessage = (m: RunnerMessage) => {
        if (m.kind === "batch-done") return finish({ ended: "done" });
        if (m.kind === "case" || m.kind === "generator-error") {
          cursor = m.index + 1;
          lastHeard = Date.now();
          caseRss = 0;
          this.onMessage(m);
        }
      };
      const onExit = (code: number | null, signal: string | null) =>
        fault("died", `exit ${code ?? signal}: ${this.stderrTail.slice(-2000)}`);
      const watchdog = setInterval(() => {
        const rss = child.pid ? treeRss(child.pid) : 0;
        caseRss = Math.max(caseRss, rss);
        this.peakTreeRss = Math.max(this.peakTreeRss, rss);
        if (rss > this.limits.memoryBytes) fault("memory", `the runner's process tree used ${rss} bytes`);
        else if (Date.now() - lastHeard > this.limits.caseTimeoutMs) fault("hang", "no answer within the time limit");
      }, 200);
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.send(batch);
    });
  }
}
