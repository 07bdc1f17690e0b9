import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BoardPool, PooledBoard } from "./board-pool.js";

export type BenchmarkOutcome =
  | "succeeded"
  | "firmware_failed"
  | "board_hung"
  | "board_unavailable"
  | "cancelled"
  | "error";

const STATUSES = ["idle", "busy", "unhealthy"] as const;

/**
 * The agent's Prometheus metrics (served on METRICS_PORT at /metrics): benchmarks by target, board and outcome,
 * how long runs take on each board, and each board's status as a 0/1 gauge per status.
 */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly benchmarks = new Counter({
    name: "tinyml_farm_benchmarks_total",
    help: "Benchmark runs by target, board and outcome",
    labelNames: ["target", "board", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly runSeconds = new Histogram({
    name: "tinyml_farm_benchmark_run_seconds",
    help: "Time to run a benchmark on a board (flash or emulator start, all inferences, output read-back)",
    labelNames: ["target", "board", "outcome"] as const,
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  private readonly boardStatus = new Gauge({
    name: "tinyml_farm_board_status",
    help: "1 for the board's current status (idle, busy, unhealthy), 0 for the others",
    labelNames: ["target", "board", "status"] as const,
    registers: [this.registry],
  });

  constructor(host: string, pool: BoardPool) {
    this.registry.setDefaultLabels({ host });
    const show = (board: PooledBoard) => {
      for (const status of STATUSES) {
        this.boardStatus.set(
          { target: board.config.target, board: board.config.id, status },
          board.status === status ? 1 : 0,
        );
      }
    };
    for (const board of pool.all()) show(board);
    pool.onChange(show);
  }

  recordRun(labels: { target: string; board: string }, outcome: BenchmarkOutcome, seconds: number): void {
    this.benchmarks.inc({ ...labels, outcome });
    this.runSeconds.observe({ ...labels, outcome }, seconds);
  }
}
