import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
} from "@temporalio/workflow";
import type { ControlPlaneActivities, JobRun } from "./contracts/control-plane-activities.js";
import {
  type EngineActivities,
  FINISH_BENCHMARK_READS,
  FINISH_BENCHMARK_UPLOADS,
} from "./contracts/engine-activities.js";
import type { FarmActivities } from "./contracts/farm-activities.js";
import type { JobMetrics } from "./contracts/figures.js";
import type { JobStage } from "./contracts/job-spec.js";
import { FAILURE_TYPES, OPTIMIZE_MODEL_QUERIES, type OptimizeModelProgress } from "./contracts/optimize-model.js";
import { HARDWARE_TARGETS } from "./contracts/targets.js";
import { farmTaskQueue, TASK_QUEUES } from "./contracts/task-queues.js";

/** Benchmark on the first this-many inputs of the job's dataset (the accuracy figures use the whole dataset). */
const BENCHMARK_SAMPLES = 100;

/**
 * Transient failures (a worker killed, the blob store or the database briefly unreachable) are retried with
 * exponential backoff; bad input (`FAILURE_TYPES.badInput`) is not: the job fails at once with the engine's message.
 */
const RETRY = Object.freeze({
  initialInterval: "1 second",
  backoffCoefficient: 2,
  maximumInterval: "30 seconds",
  maximumAttempts: 5,
  nonRetryableErrorTypes: [FAILURE_TYPES.badInput, FAILURE_TYPES.jobNotRunnable],
});

/**
 * Timeouts. A long activity heartbeats; a worker or agent that dies (kill -9) stops heartbeating and its attempt
 * times out after HEARTBEAT_TIMEOUT, so the retry runs on another worker or board.
 */
const HEARTBEAT_TIMEOUT = "20 seconds";
const CONTROL_PLANE_TIMEOUT = "30 seconds";
const ANALYZE_TIMEOUT = "5 minutes";
const QUANTIZE_TIMEOUT = "2 hours";
const COMPILE_TIMEOUT = "30 minutes";
/** One run of the firmware on a board. */
const BENCHMARK_RUN_TIMEOUT = "30 minutes";
/** A benchmark may wait this long for a free board of its target (all attempts included). */
const BENCHMARK_WAIT_TIMEOUT = "12 hours";
const FINISH_TIMEOUT = "10 minutes";

const progressQuery = defineQuery<OptimizeModelProgress>(OPTIMIZE_MODEL_QUERIES.progress);

const controlPlane = proxyActivities<ControlPlaneActivities>({
  taskQueue: TASK_QUEUES.controlPlane,
  startToCloseTimeout: CONTROL_PLANE_TIMEOUT,
  retry: { ...RETRY, maximumAttempts: 10 },
});

const engine = (startToCloseTimeout: string) =>
  proxyActivities<EngineActivities>({
    taskQueue: TASK_QUEUES.engine,
    startToCloseTimeout,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: RETRY,
    // On cancellation wait until the activity has stopped, so that nothing it writes lands after the clean-up.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });

const analyzeActivities = engine(ANALYZE_TIMEOUT);
const quantizeActivities = engine(QUANTIZE_TIMEOUT);
const compileActivities = engine(COMPILE_TIMEOUT);
const finishActivities = engine(FINISH_TIMEOUT);

/** The message a user should read: the engine's (or the board's) own, not Temporal's wrapping of it. */
function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/**
 * One optimization job: analyze → quantize (per the job spec; C generated for integer precisions) → compile the
 * benchmark firmware → run it on a board of the farm (`farm.<target>`) → turn the run into figures → record the
 * result. Progress answers the `progress` query and is written by the control plane. Cancelling the workflow
 * removes the job's artifacts and marks it cancelled.
 */
export async function optimizeModel(jobId: string): Promise<void> {
  const state: OptimizeModelProgress = { status: "queued", stage: "submitted", progress: 0, message: "waiting" };
  setHandler(progressQuery, () => ({ ...state }));

  const report = async (stage: JobStage, progress: number, message: string) => {
    Object.assign(state, { status: "running", stage, progress, message });
    await controlPlane.recordJobProgress(jobId, { stage, progress, message });
  };

  try {
    const started = await controlPlane.startJobRun(jobId);
    if (started.kind === "ended") {
      log.info("job ended before its run started", { jobId, status: started.status });
      Object.assign(state, { status: started.status, message: `the job was already ${started.status}` });
      return;
    }
    const run = started.run;
    await report("analyze", 0.05, `analyzing ${run.model.fileName}`);
    const summary = await analyzeActivities.analyzeModel({
      jobId,
      model: run.model,
      target: run.spec.hardwareTarget,
    });

    await report("quantize", 0.1, `${summary.format}: ${summary.params} parameters, ${summary.macs} MACs`);
    const quantized = await quantizeActivities.quantizeModel({
      jobId,
      spec: run.spec,
      model: run.model,
      dataset: run.dataset,
      uploads: pick(run.artifactUploads, ["model.tflite", "model.onnx", "report.json", "c.tar.gz"]),
    });
    const metrics: JobMetrics = { ...quantized.metrics };
    const notes = [...quantized.notes];

    const deployment = await benchmarkOnFarm(run, quantized.generatedC, report);
    Object.assign(metrics, deployment.metrics);
    notes.push(...deployment.notes);

    await controlPlane.recordJobResult(jobId, {
      metrics,
      artifact: deployment.bundled
        ? { key: run.artifactUploads["bundle.tar.gz"].key, fileName: `optimized-${jobId}.tar.gz` }
        : { key: run.artifactUploads["model.tflite"].key, fileName: "model.tflite" },
      notes,
    });
    Object.assign(state, { status: "completed", stage: "done", progress: 1, message: "done" });
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        const { removed } = await controlPlane.cleanUpCancelledJob(jobId);
        log.info("job cancelled", { jobId, artifactsRemoved: removed });
      });
      Object.assign(state, { status: "cancelled", message: "cancelled" });
      throw err;
    }
    const message = rootMessage(err);
    Object.assign(state, { status: "failed", message });
    await controlPlane.recordJobFailure(jobId, message);
    throw ApplicationFailure.nonRetryable(message, "JobFailed");
  }
}

/** compile → farm run → finish, or the note saying why there are no deployment figures. */
async function benchmarkOnFarm(
  run: JobRun,
  generatedC: boolean,
  report: (stage: JobStage, progress: number, message: string) => Promise<void>,
): Promise<{ metrics: JobMetrics; notes: string[]; bundled: boolean }> {
  const target = run.spec.hardwareTarget;
  const catalog = HARDWARE_TARGETS[target];
  if (!generatedC) return { metrics: {}, notes: [], bundled: false };
  if (!run.dataset) return { metrics: {}, notes: ["no dataset: nothing to benchmark on"], bundled: false };
  if (catalog.emulator.kind === "none") {
    return {
      metrics: {},
      notes: [`no benchmark on ${catalog.name}: ${catalog.emulator.reason}`],
      bundled: false,
    };
  }
  const reads = run.artifactReads;
  await report("compile", 0.55, `building the benchmark firmware for ${catalog.name}`);
  const compiled = await compileActivities.compileFirmware({
    jobId: run.jobId,
    target,
    c: reads["c.tar.gz"],
    dataset: run.dataset,
    samples: BENCHMARK_SAMPLES,
    uploads: pick(run.artifactUploads, ["firmware.elf", "firmware.map", "inputs.bin", "expected.bin"]),
  });

  await report("benchmark", 0.7, `waiting for a ${catalog.name} board (${compiled.inferences} inferences)`);
  const farm = proxyActivities<FarmActivities>({
    taskQueue: farmTaskQueue(target),
    startToCloseTimeout: BENCHMARK_RUN_TIMEOUT,
    scheduleToCloseTimeout: BENCHMARK_WAIT_TIMEOUT,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    // No attempt limit: a board that hangs or an agent that dies sends the run to another board, until the wait ends.
    retry: { ...RETRY, maximumAttempts: undefined },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const ran = await farm.runBenchmark({
    jobId: run.jobId,
    target,
    firmware: reads["firmware.elf"],
    inputs: reads["inputs.bin"],
    outputs: run.artifactUploads["outputs.bin"],
    inferences: compiled.inferences,
    outputBytes: compiled.outputBytes,
  });

  await report("benchmark", 0.9, `ran on board ${ran.boardId} of ${ran.host} (${ran.source})`);
  const finished = await finishActivities.finishBenchmark({
    jobId: run.jobId,
    target,
    dataset: run.dataset,
    samples: BENCHMARK_SAMPLES,
    compiled,
    run: ran,
    reads: pick(reads, FINISH_BENCHMARK_READS),
    uploads: pick(run.artifactUploads, FINISH_BENCHMARK_UPLOADS),
  });
  const where = `benchmarked on board ${ran.boardId} of farm host ${ran.host} (${ran.driver} driver, figures ${ran.source})`;
  const attempts = ran.attempt > 1 ? `, attempt ${ran.attempt} (earlier attempts ended with their board or agent)` : "";
  return { metrics: finished.metrics, notes: [`${where}${attempts}`, ...finished.notes], bundled: true };
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = from[k];
  return out;
}
