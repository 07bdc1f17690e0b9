import { BOARD_STATUSES, TARGET_IDS } from "@tinyml/workflows/contracts";
import { z } from "zod";

/** A board of the hardware farm as the API shows it to a signed-in user. */
export const FarmBoardView = z.object({
  host: z.string(),
  id: z.string(),
  target: z.enum(TARGET_IDS),
  driver: z.enum(["qemu", "probe"]),
  status: z.enum(BOARD_STATUSES).describe("offline when its host has not reported it recently"),
  current_job_id: z
    .string()
    .nullable()
    .describe("the job the board runs, when it is one of the caller's organization (others are not shown)"),
  detail: z.string().nullable().describe("why a board is unhealthy or offline"),
  last_seen_at: z.string(),
});
export type FarmBoardView = z.infer<typeof FarmBoardView>;
