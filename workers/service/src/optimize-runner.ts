import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { EngineError, type EngineErrorCode, type OptimizationReport, type OptimizeRequest } from "@tinyml/engine";

/** What the optimize thread says to the activity: progress, then its result or its error. */
export type OptimizeThreadMessage =
  | { kind: "progress"; stage: string; message: string }
  | {
      kind: "done";
      report: OptimizationReport;
      tflite: Uint8Array;
      onnx: Uint8Array;
      /** The generated C's files (path → text), when C was asked for. */
      cFiles: [string, string][] | null;
    }
  | { kind: "engine-error"; code: EngineErrorCode; message: string; details: Record<string, unknown> }
  | { kind: "error"; message: string };

export type OptimizeThreadResult = Extract<OptimizeThreadMessage, { kind: "done" }>;

/**
 * The compiled thread entry: beside this module in dist/, or in ../dist/ when this module runs from its TypeScript
 * source (under the test runner, which does not compile worker threads).
 */
function threadEntry(): URL {
  const beside = new URL("./optimize-thread.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL("../dist/optimize-thread.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(
    `no compiled optimize-thread.js beside ${fileURLToPath(import.meta.url)} or in ../dist: run pnpm build`,
  );
}

/**
 * Runs the engine's `optimize` in a worker thread: the same function with the same request (the results equal an
 * in-process call), while the caller's event loop stays free for heartbeats. Progress arrives through
 * `onProgress`; an aborted `signal` terminates the thread and rejects with the signal's reason. Engine errors come
 * back as `EngineError`s with their code, message and details. `memoryMb` caps the thread's JavaScript heap (the
 * activity's share of the worker's memory): past it the thread is stopped and the call rejects, naming the cap.
 */
export function optimizeInThread(
  request: Omit<OptimizeRequest, "onProgress">,
  options: { signal?: AbortSignal; onProgress?: (stage: string, message: string) => void; memoryMb?: number } = {},
): Promise<OptimizeThreadResult> {
  const { signal, onProgress, memoryMb } = options;
  return new Promise<OptimizeThreadResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const worker = new Worker(threadEntry(), {
      workerData: request,
      ...(memoryMb ? { resourceLimits: { maxOldGenerationSizeMb: memoryMb } } : {}),
    });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => settle(() => reject(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.on("message", (m: OptimizeThreadMessage) => {
      if (m.kind === "progress") {
        try {
          onProgress?.(m.stage, m.message);
        } catch (e) {
          settle(() => reject(e));
        }
      } else if (m.kind === "done") settle(() => resolve(m));
      else if (m.kind === "engine-error") settle(() => reject(new EngineError(m.code, m.message, m.details)));
      else settle(() => reject(new Error(`the optimize thread failed: ${m.message}`)));
    });
    worker.on("error", (e: Error & { code?: string }) => {
      if (e.code !== "ERR_WORKER_OUT_OF_MEMORY") return settle(() => reject(e));
      const why = `the optimization needed more than the ${memoryMb} MB of memory one activity of this worker may use (WORKER_MEMORY_MB / MAX_CONCURRENT_HEAVY_ACTIVITIES)`;
      settle(() => reject(new Error(why, { cause: e })));
    });
    worker.on("exit", (code) =>
      settle(() => reject(new Error(`the optimize thread exited (code ${code}) before it answered`))),
    );
  });
}
