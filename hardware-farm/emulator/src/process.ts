import { spawn } from "node:child_process";
import { BoardUnavailableError } from "./errors.js";
import { findOnPath } from "./tools.js";

/**
 * `setpriv --pdeathsig KILL` (util-linux), where present: the kernel kills the tool when the agent dies, even by
 * `kill -9`, so an emulator or a flasher holding a probe never outlives the agent that started it (the benchmark
 * is retried elsewhere and the board must be free when the agent comes back).
 */
let setpriv: Promise<string | null> | null = null;
const findSetpriv = () => {
  setpriv ??= process.platform === "linux" ? findOnPath("setpriv") : Promise.resolve(null);
  return setpriv;
};

export interface ProcessOutcome {
  /** Exit status; `null` when the process was killed. */
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

/**
 * Runs a tool to its end, or kills it (SIGKILL: a hung emulator or flasher gets no chance to linger) when the
 * deadline passes or the signal aborts. `onText` sees stdout and stderr as they arrive (progress lines).
 * A tool that is not installed is a `BoardUnavailableError` naming it: "pyocd not found on PATH".
 */
export async function runToDeadline(
  binary: string,
  args: string[],
  options: { cwd?: string; timeoutMs: number; signal?: AbortSignal; onText?: (text: string) => void },
): Promise<ProcessOutcome> {
  const wrapper = await findSetpriv();
  if (wrapper && !(await findOnPath(binary))) throw new BoardUnavailableError(`${binary} not found on PATH`);
  const [file, argv] = wrapper ? [wrapper, ["--pdeathsig", "KILL", binary, ...args]] : [binary, args];
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ status: null, stdout: "", stderr: "", timedOut: false, aborted: true });
      return;
    }
    const child = spawn(file, argv, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let aborted = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      options.onText?.(d);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      options.onText?.(d);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      child.kill("SIGKILL");
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      done();
      reject(
        new BoardUnavailableError(
          e.code === "ENOENT" ? `${binary} not found on PATH` : `cannot start ${binary}: ${e.message}`,
        ),
      );
    });
    child.on("close", (code, signal) => {
      done();
      resolve({ status: signal ? null : code, stdout, stderr, timedOut, aborted });
    });
  });
}

/** Counts the harness's per-inference lines in a growing console stream and reports the count when it grows. */
export function progressCounter(onProgress: ((done: number) => void) | undefined): (text: string) => void {
  let done = 0;
  let partial = "";
  return (text) => {
    if (!onProgress) return;
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    const before = done;
    for (const line of lines) if (line.startsWith('{"i":')) done++;
    if (done !== before) onProgress(done);
  };
}
