import { NativeConnection, Worker } from "@temporalio/worker";

export interface ActivityWorkerOptions {
  /** Temporal frontend, `host:port`. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** The activity implementations, by name. */
  activities: object;
  /** Pause between attempts while Temporal cannot be reached. */
  retryMs: number;
  identity?: string;
  log?: (line: string) => void;
}

export type ActivityWorkerState = "connecting" | "running" | "stopped";

export interface ActivityWorker {
  readonly state: ActivityWorkerState;
  /** Resolves once the worker polls its task queue (never, if it is stopped first). */
  whenRunning(): Promise<void>;
  /** Stops polling (activities in flight are cancelled) and closes the connection; idempotent. */
  stop(): Promise<void>;
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";

/**
 * Runs a Temporal worker hosting `activities` on one task queue, in the background: it connects, polls, and
 * when Temporal is down or goes away it retries every `retryMs`, so the process that hosts it (the control
 * plane's HTTP server) never waits on Temporal. Each new problem is logged once, and so is the recovery.
 */
export function startActivityWorker(options: ActivityWorkerOptions): ActivityWorker {
  const log = options.log ?? ((line: string) => console.log(`[control-plane worker] ${line}`));
  let state: ActivityWorkerState = "connecting";
  let stopping = false;
  let worker: Worker | null = null;
  let wake: (() => void) | null = null;
  let markRunning: () => void = () => {};
  const running = new Promise<void>((resolve) => {
    markRunning = resolve;
  });

  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.retryMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    let lastProblem = "";
    while (!stopping) {
      let connection: NativeConnection | null = null;
      try {
        connection = await NativeConnection.connect({ address: options.address });
        if (stopping) break;
        worker = await Worker.create({
          connection,
          namespace: options.namespace,
          taskQueue: options.taskQueue,
          activities: options.activities,
          ...(options.identity ? { identity: options.identity } : {}),
        });
        const run = worker.run();
        if (stopping) worker.shutdown();
        state = "running";
        lastProblem = "";
        log(`polling task queue ${options.taskQueue} on Temporal at ${options.address}`);
        markRunning();
        await run;
      } catch (e) {
        const problem = describe(e);
        if (problem !== lastProblem && !stopping) {
          log(`Temporal at ${options.address} is unreachable (${problem}); retrying every ${options.retryMs} ms`);
        }
        lastProblem = problem;
      } finally {
        worker = null;
        if (!stopping) state = "connecting";
        await connection?.close().catch(() => {});
      }
      if (!stopping) await pause();
    }
    state = "stopped";
  })();

  return {
    get state() {
      return state;
    },
    whenRunning: () => running,
    async stop() {
      stopping = true;
      wake?.();
      if (worker?.getState() === "RUNNING") worker.shutdown();
      await loop;
    },
  };
}
