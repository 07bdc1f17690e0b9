import { z } from "zod";
import { TargetId } from "./targets.js";

/**
 * How farm agents report their boards to the control plane: on start and then every `FARM_HEARTBEAT_INTERVAL_MS`,
 * an agent POSTs its whole board list to `FARM_REPORT_PATH` with `Authorization: Bearer <farm token>` (the control
 * plane's `FARM_TOKEN`). A board not reported for `FARM_BOARD_OFFLINE_AFTER_MS` is shown `offline`.
 */
export const BOARD_STATUSES = ["idle", "busy", "unhealthy", "offline"] as const;
export const BoardStatus = z.enum(BOARD_STATUSES);
export type BoardStatus = z.infer<typeof BoardStatus>;

export const BoardReport = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  target: TargetId,
  driver: z.enum(["qemu", "probe"]),
  status: BoardStatus.exclude(["offline"]),
  /** The job the board is running, when busy. */
  currentJobId: z.string().nullable(),
  /** Why a board is unhealthy (e.g. "timed out after 600 s running job …"). */
  detail: z.string().max(2000).nullable(),
});
export type BoardReport = z.infer<typeof BoardReport>;

export const FarmReport = z.object({
  host: z.string().min(1).max(200),
  boards: z.array(BoardReport).max(1000),
});
export type FarmReport = z.infer<typeof FarmReport>;

export const FARM_REPORT_PATH = "/internal/farm/boards";
export const FARM_HEARTBEAT_INTERVAL_MS = 5_000;
export const FARM_BOARD_OFFLINE_AFTER_MS = 30_000;
