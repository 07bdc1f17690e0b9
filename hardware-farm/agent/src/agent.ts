import { hostname } from "node:os";
import { type NativeConnection, Worker } from "@temporalio/worker";
import { createHealthActivities, farmTaskQueue, type TargetId } from "@tinyml/workflows/contracts";
import type { AgentConfig, BoardConfig } from "./agent-config.js";
import { BoardPool, type PooledBoard } from "./board-pool.js";
import { BoardReporter } from "./board-reporter.js";
import { farmWorkerTuner } from "./board-slots.js";
import type { BoardDriver } from "./drivers/board-driver.js";
import { ProbeBoardDriver } from "./drivers/probe-driver.js";
import { QemuBoardDriver } from "./drivers/qemu-driver.js";
import { createFarmActivities } from "./farm-activities.js";
import { type AgentLog, consoleLog } from "./log.js";
import { AgentMetrics } from "./metrics.js";

/** The driver of a configured board: QEMU for an emulated one, the probe driver for a physical one. */
export function driverFor(board: BoardConfig): BoardDriver {
  return board.connection.driver === "qemu"
    ? new QemuBoardDriver(board.target)
    : new ProbeBoardDriver(board.connection);
}

export interface FarmAgentOptions {
  config: AgentConfig;
  connection: NativeConnection;
  namespace?: string;
  controlPlane: { url: string; token: string };
  log?: AgentLog;
  /** Overrides the driver of each board (defaults to `driverFor`). */
  makeDriver?: (board: BoardConfig) => BoardDriver;
}

export interface FarmAgent {
  readonly pool: BoardPool;
  readonly metrics: AgentMetrics;
  /** Targets whose task queue this agent polls now. */
  pollingTargets(): TargetId[];
  /** Checks the boards, starts reporting and one worker per target with healthy boards. */
  start(): Promise<void>;
  /** Stops polling; running benchmarks are cancelled (Temporal runs them again elsewhere). */
  shutdown(): Promise<void>;
  /** Resolves when the agent has shut down. */
  done(): Promise<void>;
}

/**
 * A farm host's agent: for each target among its boards, one Temporal worker on `farm.<target>` whose activity
 * slots are the target's healthy boards (`boardSlotSupplier`: live, not fixed at start), hosting `runBenchmark`. Task priority does the scheduling: a board that
 * frees up polls its queue and the server hands it the most urgent task (Pro/Enterprise before Free/Basic, see
 * `farmPriorityKey`). A target whose last healthy board goes unhealthy stops being polled (its worker shuts
 * down, so its tasks go to other agents); an unhealthy board is checked again every `recheckUnhealthyMs` and the
 * worker comes back when a board passes.
 */
export function createFarmAgent(options: FarmAgentOptions): FarmAgent {
  const { config } = options;
  const log = options.log ?? consoleLog(`[farm-agent ${config.host}]`);
  const makeDriver = options.makeDriver ?? driverFor;
  const pool = new BoardPool(config.boards.map((board) => ({ config: board, driver: makeDriver(board) })));
  const metrics = new AgentMetrics(config.host, pool);
  const reporter = new BoardReporter({ host: config.host, pool, controlPlane: options.controlPlane, log });
  const activities = {
    ...createFarmActivities({ host: config.host, pool, metrics, log, runTimeoutMs: config.runTimeoutMs }),
    // The health check takes a board slot like a benchmark: an agent whose boards are all busy answers when one
    // frees up, and one without a healthy board does not poll, so does not answer.
    ...createHealthActivities({ hostname }),
  };
  const workers = new Map<TargetId, { worker: Worker; running: Promise<void> }>();
  let stopping = false;
  let recheckTimer: NodeJS.Timeout | null = null;
  let resolveDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });

  const starting = new Set<TargetId>();
  const startWorker = async (target: TargetId): Promise<void> => {
    const slots = pool.healthyCount(target);
    if (stopping || workers.has(target) || starting.has(target) || slots === 0) return;
    const taskQueue = farmTaskQueue(target);
    starting.add(target);
    const worker = await Worker.create({
      connection: options.connection,
      namespace: options.namespace ?? "default",
      taskQueue,
      activities,
      tuner: farmWorkerTuner(pool, target),
      identity: `${config.host}/${target}@${process.pid}`,
    }).finally(() => starting.delete(target));
    const running = worker.run().catch((e: Error) => log.error(`worker of ${taskQueue} failed: ${e.message}`));
    workers.set(target, { worker, running });
    log.info(`polling ${taskQueue} with ${slots} board${slots === 1 ? "" : "s"}`);
  };

  const stopWorker = async (target: TargetId, why: string): Promise<void> => {
    const entry = workers.get(target);
    if (!entry) return;
    workers.delete(target);
    log.warn(`stopped polling ${farmTaskQueue(target)}: ${why}`);
    if (entry.worker.getState() === "RUNNING") entry.worker.shutdown();
    await entry.running;
  };

  pool.onChange((board: PooledBoard) => {
    const target = board.config.target;
    if (board.status === "unhealthy" && pool.healthyCount(target) === 0) {
      // after the failing attempt has been reported, so that it is not cancelled by the shutdown
      setTimeout(() => void stopWorker(target, `no healthy ${target} board left`), 0);
    } else if (board.status !== "unhealthy" && !workers.has(target) && !stopping) {
      startWorker(target).catch((e: Error) => log.error(`cannot poll ${farmTaskQueue(target)}: ${e.message}`));
    }
  });

  const checkBoard = async (board: PooledBoard): Promise<void> => {
    const health = await board.driver.check();
    if (health.ok) pool.markHealthy(board);
    else if (board.status !== "unhealthy") pool.markUnhealthy(board, `health check failed: ${health.detail}`);
    else log.warn(`board ${board.config.id} still unhealthy: ${health.detail}`);
  };

  return {
    pool,
    metrics,
    pollingTargets: () => [...workers.keys()],
    async start() {
      await Promise.all(pool.all().map(checkBoard));
      for (const board of pool.all()) {
        log.info(
          `board ${board.config.id} (${board.config.target}): ${board.driver.describe()}: ${board.status}${board.detail ? ` (${board.detail})` : ""}`,
        );
      }
      reporter.start();
      for (const target of pool.targets()) await startWorker(target);
      recheckTimer = setInterval(() => {
        for (const board of pool.all()) if (board.status === "unhealthy") void checkBoard(board);
      }, config.recheckUnhealthyMs);
      recheckTimer.unref();
    },
    async shutdown() {
      if (stopping) return finished;
      stopping = true;
      if (recheckTimer) clearInterval(recheckTimer);
      await Promise.all([...workers.keys()].map((target) => stopWorker(target, "the agent is shutting down")));
      await reporter.stop();
      resolveDone();
    },
    done: () => finished,
  };
}
