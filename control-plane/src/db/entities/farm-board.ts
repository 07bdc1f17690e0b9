import { EntitySchema } from "@mikro-orm/core";
import type { BoardStatus, TargetId } from "@tinyml/workflows/contracts";

/**
 * A board of the hardware farm as its host last reported it (`POST /internal/farm/boards`). `status` is what
 * the agent said, or `offline` once the host stopped listing it; a board whose host has not reported for
 * `FARM_BOARD_OFFLINE_AFTER_MS` is shown offline when read.
 */
export interface FarmBoard {
  id: string;
  host: string;
  boardId: string;
  target: TargetId;
  driver: "qemu" | "probe";
  status: BoardStatus;
  /** The job the board runs (any organization's: shown only to that organization). */
  currentJobId?: string | null;
  detail?: string | null;
  lastSeenAt: Date;
  createdAt: Date;
}

export const FarmBoardSchema = new EntitySchema<FarmBoard>({
  name: "FarmBoard",
  tableName: "farm_boards",
  uniques: [{ properties: ["host", "boardId"] }],
  properties: {
    id: { type: "uuid", primary: true },
    host: { type: "string", length: 200 },
    boardId: { type: "string", length: 100 },
    target: { type: "string", length: 20 },
    driver: { type: "string", length: 20 },
    status: { type: "string", length: 20 },
    currentJobId: { type: "string", length: 100, nullable: true },
    detail: { type: "text", nullable: true },
    lastSeenAt: { type: "datetime" },
    createdAt: { type: "datetime" },
  },
});
