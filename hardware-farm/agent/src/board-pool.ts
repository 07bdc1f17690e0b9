import type { BoardReport, TargetId } from "@tinyml/workflows/contracts";
import type { BoardConfig } from "./agent-config.js";
import type { BoardDriver } from "./drivers/board-driver.js";

type BoardState = "idle" | "busy" | "unhealthy";

export interface PooledBoard {
  readonly config: BoardConfig;
  readonly driver: BoardDriver;
  status: BoardState;
  currentJobId: string | null;
  detail: string | null;
}

/** No healthy board of the target is left on this host: the job must run on another agent. */
export class NoHealthyBoardError extends Error {
  override readonly name = "NoHealthyBoardError";
}

interface Waiter {
  target: TargetId;
  jobId: string;
  resolve: (board: PooledBoard) => void;
  reject: (error: Error) => void;
}

/**
 * The boards of one host and who uses them. A benchmark takes an idle healthy board of its target (waiting, in
 * arrival order, while all are busy), and gives it back idle or unhealthy. Every change is announced to the
 * listeners (board reports, metrics, the agent's worker per target).
 */
export class BoardPool {
  private readonly boards: PooledBoard[];
  private readonly waiters: Waiter[] = [];
  private readonly listeners = new Set<(board: PooledBoard) => void>();

  constructor(boards: { config: BoardConfig; driver: BoardDriver }[]) {
    this.boards = boards.map(({ config, driver }) => ({
      config,
      driver,
      status: "idle",
      currentJobId: null,
      detail: null,
    }));
  }

  all(): readonly PooledBoard[] {
    return this.boards;
  }

  targets(): TargetId[] {
    return [...new Set(this.boards.map((b) => b.config.target))];
  }

  /** Boards of the target that can take work (idle or busy). */
  healthyCount(target: TargetId): number {
    return this.boards.filter((b) => b.config.target === target && b.status !== "unhealthy").length;
  }

  onChange(listener: (board: PooledBoard) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes an idle healthy board of the target for the job; waits while all are busy. */
  acquire(target: TargetId, jobId: string, signal?: AbortSignal): Promise<PooledBoard> {
    if (this.healthyCount(target) === 0) return Promise.reject(this.noHealthyBoard(target));
    const idle = this.boards.find((b) => b.config.target === target && b.status === "idle");
    if (idle) {
      this.setBusy(idle, jobId);
      return Promise.resolve(idle);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { target, jobId, resolve, reject };
      this.waiters.push(waiter);
      signal?.addEventListener(
        "abort",
        () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) {
            this.waiters.splice(i, 1);
            reject(signal.reason instanceof Error ? signal.reason : new Error("cancelled while waiting for a board"));
          }
        },
        { once: true },
      );
    });
  }

  /** Gives a board back after a run that went well (or failed through no fault of the board). */
  release(board: PooledBoard): void {
    board.status = "idle";
    board.currentJobId = null;
    board.detail = null;
    this.changed(board);
    this.dispatch(board.config.target);
  }

  /** Takes a board out of service (hung, unreachable, failed its health check). */
  markUnhealthy(board: PooledBoard, detail: string): void {
    board.status = "unhealthy";
    board.currentJobId = null;
    board.detail = detail.slice(0, 2000);
    this.changed(board);
    this.dispatch(board.config.target);
  }

  /** Puts an unhealthy board back in service once its health check passes. */
  markHealthy(board: PooledBoard): void {
    if (board.status !== "unhealthy") return;
    this.release(board);
  }

  report(): BoardReport[] {
    return this.boards.map((b) => ({
      id: b.config.id,
      target: b.config.target,
      driver: b.driver.kind,
      status: b.status,
      currentJobId: b.currentJobId,
      detail: b.detail,
    }));
  }

  private setBusy(board: PooledBoard, jobId: string): void {
    board.status = "busy";
    board.currentJobId = jobId;
    board.detail = null;
    this.changed(board);
  }

  /** Hands idle boards to waiting jobs; when no healthy board of the target is left, the waiters are refused. */
  private dispatch(target: TargetId): void {
    for (let i = 0; i < this.waiters.length; ) {
      const waiter = this.waiters[i] as Waiter;
      if (waiter.target !== target) {
        i++;
        continue;
      }
      if (this.healthyCount(target) === 0) {
        this.waiters.splice(i, 1);
        waiter.reject(this.noHealthyBoard(target));
        continue;
      }
      const idle = this.boards.find((b) => b.config.target === target && b.status === "idle");
      if (!idle) return;
      this.waiters.splice(i, 1);
      this.setBusy(idle, waiter.jobId);
      waiter.resolve(idle);
    }
  }

  private noHealthyBoard(target: TargetId): NoHealthyBoardError {
    return new NoHealthyBoardError(`no healthy ${target} board left on this host`);
  }

  private changed(board: PooledBoard): void {
    for (const listener of this.listeners) listener(board);
  }
}
