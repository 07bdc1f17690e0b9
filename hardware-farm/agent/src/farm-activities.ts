import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Context } from "@temporalio/activity";
import { ApplicationFailure } from "@temporalio/common";
import { BoardHungError, BoardRunAbortedError, BoardUnavailableError, FirmwareFailedError } from "@tinyml/emulator";
import {
  BlobTransferError,
  downloadBlob,
  FAILURE_TYPES,
  type FarmActivities,
  type FarmRunRequest,
  type FarmRunResult,
  farmTaskQueue,
  TargetId,
  uploadBlob,
} from "@tinyml/workflows/contracts";
import { type BoardPool, NoHealthyBoardError, type PooledBoard } from "./board-pool.js";
import type { BoardRunResult } from "./drivers/board-driver.js";
import type { AgentLog } from "./log.js";
import type { AgentMetrics, BenchmarkOutcome } from "./metrics.js";

/** How often a running benchmark heartbeats (the SDK throttles to the activity's heartbeat timeout). */
export const BENCHMARK_HEARTBEAT_MS = 1_000;

/**
 * After one job's firmware has hung on this many boards, the hang is taken to be the firmware's (an endless loop, or
 * more work than the run timeout allows), not the boards': the benchmark fails as bad input instead of taking one
 * board after another out of service. The boards it hung on travel from attempt to attempt in the heartbeat details.
 */
const MAX_HUNG_BOARDS = 2;

interface BenchmarkHeartbeat {
  stage: string;
  boardId: string | null;
  done: number;
  /** `host/board` of each board this job's firmware hung on, over all attempts. */
  hungBoards: string[];
}

const hungBoardsOf = (details: unknown): string[] => {
  const hung = (details as Partial<BenchmarkHeartbeat> | undefined)?.hungBoards;
  return Array.isArray(hung) ? hung.filter((b): b is string => typeof b === "string") : [];
};

/** Failure types of the retryable failures: the board's trouble, so the benchmark runs again elsewhere. */
export const FARM_FAILURE_TYPES = Object.freeze({
  boardHung: "BoardHung",
  boardUnavailable: "BoardUnavailable",
  noHealthyBoard: "NoHealthyBoard",
  blobTransfer: "BlobTransfer",
});

export interface FarmActivityDeps {
  host: string;
  pool: BoardPool;
  metrics: AgentMetrics;
  log: AgentLog;
  /** Longest run before a board is declared hung, unless the board sets its own. */
  runTimeoutMs: number;
}

/**
 * `runBenchmark` (FarmActivities) on this host's boards: take an idle healthy board of the target, fetch the
 * firmware and inputs by their signed URLs, run, PUT the outputs, return the figures. What a failure means:
 * - the firmware failed (faulted, wrong sizes): non-retryable `BadInput`, any board would fail the same way;
 * - the board hung or cannot run: it is marked unhealthy and the attempt fails retryably, so Temporal runs the
 *   benchmark again on another board (of this host or another);
 * - a blob the store refuses (a 4xx: the URL expired or the blob is gone): non-retryable `BadInput`; a store
 *   hiccup that outlasts the blob client's own tries: retryable.
 */
export function createFarmActivities(deps: FarmActivityDeps): FarmActivities {
  return {
    async runBenchmark(request: FarmRunRequest): Promise<FarmRunResult> {
      const context = Context.current();
      const signal = context.cancellationSignal;
      validate(request, context.info.taskQueue);
      const hungBoards = hungBoardsOf(context.info.heartbeatDetails);
      refuseFirmwareThatHangs(hungBoards);
      let stage = "waiting for a board";
      let done = 0;
      let board: PooledBoard | null = null;
      const beat = () => {
        const details: BenchmarkHeartbeat = { stage, boardId: board?.config.id ?? null, done, hungBoards };
        context.heartbeat(details);
      };
      beat();
      const heartbeats = setInterval(beat, BENCHMARK_HEARTBEAT_MS);
      const dir = await mkdtemp(join(tmpdir(), "tinyml-farm-job-"));
      const started = Date.now();
      let outcome: BenchmarkOutcome = "error";
      try {
        board = await acquireBoard(deps, request, signal);
        const timeoutMs = board.config.runTimeoutMs ?? deps.runTimeoutMs;
        stage = "downloading";
        beat();
        const { firmware, inputs } = await downloadJob(request, signal);
        const firmwareElf = join(dir, "fw.elf");
        await writeFile(firmwareElf, firmware);
        stage = "running";
        deps.log.info(
          `job ${request.jobId} attempt ${context.info.attempt}: running ${request.inferences} inferences on ${board.config.id}`,
        );
        const run = await board.driver.run({
          firmwareElf,
          inputs,
          inferences: request.inferences,
          outputBytes: request.outputBytes,
          timeoutMs,
          signal,
          onProgress: (n) => {
            done = n;
          },
        });
        stage = "uploading";
        beat();
        await uploadBlob(request.outputs, run.outputs, { what: "outputs", signal });
        outcome = "succeeded";
        return farmRunResult(deps.host, board, run, context.info.attempt);
      } catch (e) {
        if (e instanceof BoardHungError && board) {
          // recorded for the next attempt, wherever it runs
          hungBoards.push(`${deps.host}/${board.config.id}`);
          stage = "hung";
          beat();
        }
        const failure = classify(e, board, request, deps);
        outcome = failure.outcome;
        // a cancelled activity confirms its cancellation with the SDK's own CancelledFailure
        throw outcome === "cancelled" && signal.aborted ? signal.reason : failure.error;
      } finally {
        clearInterval(heartbeats);
        if (board) {
          deps.metrics.recordRun(
            { target: request.target, board: board.config.id },
            outcome,
            (Date.now() - started) / 1000,
          );
          if (board.status === "busy" && board.currentJobId === request.jobId) deps.pool.release(board);
        }
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Fails the job as bad input once its firmware has hung on MAX_HUNG_BOARDS boards (see MAX_HUNG_BOARDS). */
function refuseFirmwareThatHangs(hungBoards: readonly string[]): void {
  if (hungBoards.length < MAX_HUNG_BOARDS) return;
  throw ApplicationFailure.nonRetryable(
    `the firmware did not finish on ${hungBoards.length} boards (${hungBoards.join(", ")}), each stopped at its run timeout: it may never finish (an endless loop) or need more time than a farm run allows`,
    FAILURE_TYPES.badInput,
  );
}

/** An idle healthy board of the target; none healthy on this host is retryable, so another host may serve it. */
async function acquireBoard(
  deps: FarmActivityDeps,
  request: FarmRunRequest,
  signal: AbortSignal,
): Promise<PooledBoard> {
  return deps.pool.acquire(request.target, request.jobId, signal).catch((e: Error) => {
    if (e instanceof NoHealthyBoardError) {
      throw ApplicationFailure.retryable(`${e.message} (${deps.host})`, FARM_FAILURE_TYPES.noHealthyBoard);
    }
    throw e;
  });
}

/** The firmware and the inputs, by their signed URLs; the inputs must split into `inferences` equal inputs. */
async function downloadJob(
  request: FarmRunRequest,
  signal: AbortSignal,
): Promise<{ firmware: Uint8Array; inputs: Uint8Array }> {
  const [firmware, inputs] = await Promise.all([
    downloadBlob(request.firmware, { what: "firmware", signal }),
    downloadBlob(request.inputs, { what: "inputs", signal }),
  ]);
  if (inputs.length % request.inferences !== 0) {
    throw ApplicationFailure.nonRetryable(
      `the inputs (${inputs.length} bytes) are not ${request.inferences} inputs of one size`,
      FAILURE_TYPES.badInput,
    );
  }
  return { firmware, inputs };
}

function farmRunResult(host: string, board: PooledBoard, run: BoardRunResult, attempt: number): FarmRunResult {
  return {
    host,
    boardId: board.config.id,
    driver: board.driver.kind,
    source: run.source,
    perInference: run.perInference,
    summary: run.summary,
    command: run.command,
    ...(run.energyUjPerInference !== undefined ? { energyUjPerInference: run.energyUjPerInference } : {}),
    attempt,
  };
}

function validate(request: FarmRunRequest, taskQueue: string): void {
  const problems: string[] = [];
  if (!TargetId.safeParse(request.target).success) problems.push(`unknown target "${request.target}"`);
  else if (taskQueue !== farmTaskQueue(request.target)) {
    problems.push(
      `a ${request.target} benchmark was sent to task queue ${taskQueue} (use ${farmTaskQueue(request.target)})`,
    );
  }
  if (!Number.isInteger(request.inferences) || request.inferences < 1) problems.push("inferences must be ≥ 1");
  if (!Number.isInteger(request.outputBytes) || request.outputBytes < 1) problems.push("outputBytes must be ≥ 1");
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(`bad benchmark request: ${problems.join("; ")}`, FAILURE_TYPES.badInput);
  }
}

/** What a failed run means for the board and for the job (see createFarmActivities). */
function classify(
  e: unknown,
  board: PooledBoard | null,
  request: FarmRunRequest,
  deps: FarmActivityDeps,
): { outcome: BenchmarkOutcome; error: unknown } {
  if (e instanceof FirmwareFailedError) {
    return { outcome: "firmware_failed", error: ApplicationFailure.nonRetryable(e.message, FAILURE_TYPES.badInput) };
  }
  if ((e instanceof BoardHungError || e instanceof BoardUnavailableError) && board) {
    const hung = e instanceof BoardHungError;
    const detail = hung
      ? `timed out after ${e.timeoutMs / 1000} s running job ${request.jobId}`
      : `${e.message} (job ${request.jobId})`;
    deps.pool.markUnhealthy(board, detail);
    deps.log.warn(`board ${board.config.id} is unhealthy: ${detail}`);
    return {
      outcome: hung ? "board_hung" : "board_unavailable",
      error: ApplicationFailure.retryable(
        `${board.config.id} on ${deps.host}: ${e.message}`,
        hung ? FARM_FAILURE_TYPES.boardHung : FARM_FAILURE_TYPES.boardUnavailable,
      ),
    };
  }
  if (e instanceof BlobTransferError) {
    return {
      outcome: "error",
      error: e.permanent
        ? ApplicationFailure.nonRetryable(e.message, FAILURE_TYPES.badInput)
        : ApplicationFailure.retryable(e.message, FARM_FAILURE_TYPES.blobTransfer),
    };
  }
  if (e instanceof BoardRunAbortedError) return { outcome: "cancelled", error: e };
  return { outcome: "error", error: e };
}
