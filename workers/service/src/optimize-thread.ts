import { parentPort, workerData } from "node:worker_threads";
import { isEngineError, type OptimizeRequest, optimize } from "@tinyml/engine";
import type { OptimizeThreadMessage } from "./optimize-runner.js";

/**
 * Thread entry of `optimizeInThread` (optimize-runner.ts): runs the engine's `optimize` off the activity worker's
 * event loop, so that heartbeats keep flowing while calibration and quantization hold the CPU, and so that a
 * cancelled activity can stop it at once (the thread is terminated).
 */
const port = parentPort;
if (!port) throw new Error("optimize-thread.js runs as a worker thread of optimizeInThread");
const post = (message: OptimizeThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const request = workerData as Omit<OptimizeRequest, "onProgress">;
optimize({ ...request, onProgress: (stage, message) => post({ kind: "progress", stage, message }) }).then(
  (result) => {
    const tflite = result.tflite.slice();
    const onnx = result.onnx.slice();
    post(
      {
        kind: "done",
        report: result.report,
        tflite,
        onnx,
        cFiles: result.c ? [...result.c.files] : null,
      },
      [tflite.buffer as ArrayBuffer, onnx.buffer as ArrayBuffer],
    );
  },
  (e: unknown) => {
    post(
      isEngineError(e)
        ? { kind: "engine-error", code: e.code, message: e.message, details: e.details }
        : { kind: "error", message: e instanceof Error ? (e.stack ?? e.message) : String(e) },
    );
  },
);
