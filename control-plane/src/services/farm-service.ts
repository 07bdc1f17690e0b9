import type { MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/knex";
import { FARM_BOARD_OFFLINE_AFTER_MS } from "@tinyml/workflows/contracts";
import { type FarmBoard, FarmBoardSchema, JobSchema } from "../db/entities/index.js";
import type { Metrics } from "../metrics/metrics.js";
import type { FarmBoardView } from "../schemas/farm.js";
import type { Caller } from "./caller.js";
import { createFarmReports } from "./farm-reports.js";
import { isUuid } from "./ids.js";

const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const HIDDEN_JOB = "a job of another organization";

/**
 * The hardware farm's board registry. Each farm host reports its whole board list (`report`); boards it no
 * longer lists are kept, marked offline, so an unplugged board stays visible. Reading (`boards`) shows a board
 * offline once its host has been silent for `FARM_BOARD_OFFLINE_AFTER_MS`, and never shows another tenant's
 * job: job ids (in `current_job_id` and in `detail`) are shown only to the organization that owns the job.
 */
export function createFarmService(deps: { orm: MikroORM; metrics: Metrics; farmToken: string | null }) {
  const fork = () => deps.orm.em.fork() as EntityManager;

  /** The status a reader sees: what the host said, or offline when the host has gone quiet. */
  const effectiveStatus = (board: FarmBoard, now: number) =>
    now - board.lastSeenAt.getTime() > FARM_BOARD_OFFLINE_AFTER_MS ? "offline" : board.status;

  const service = {
    ...createFarmReports(deps),
    /** Every board, ordered by host and id, as `caller` may see it. */
    async boards(caller: Caller): Promise<FarmBoardView[]> {
      const em = fork();
      const boards = await em.find(FarmBoardSchema, {}, { orderBy: { host: "asc", boardId: "asc" } });
      const mentioned = new Set<string>();
      for (const b of boards) {
        if (b.currentJobId && isUuid(b.currentJobId)) mentioned.add(b.currentJobId.toLowerCase());
        for (const id of b.detail?.match(UUIDS) ?? []) mentioned.add(id.toLowerCase());
      }
      const own = new Set(
        mentioned.size === 0
          ? []
          : (await em.find(JobSchema, { id: { $in: [...mentioned] }, organizationId: caller.organizationId })).map(
              (j) => j.id.toLowerCase(),
            ),
      );
      const now = Date.now();
      return boards.map((b) => {
        const status = effectiveStatus(b, now);
        const jobId = b.currentJobId && own.has(b.currentJobId.toLowerCase()) ? b.currentJobId : null;
        return {
          host: b.host,
          id: b.boardId,
          target: b.target,
          driver: b.driver,
          status,
          current_job_id: status === "offline" ? null : jobId,
          detail: b.detail?.replace(UUIDS, (id) => (own.has(id.toLowerCase()) ? id : HIDDEN_JOB)) ?? null,
          last_seen_at: b.lastSeenAt.toISOString(),
        };
      });
    },

    /** Boards by target and status as readers see them (the `tinyml_farm_boards` gauge). */
    async counts() {
      const now = Date.now();
      const counts = new Map<string, { target: string; status: string; count: number }>();
      for (const b of await fork().find(FarmBoardSchema, {})) {
        const status = effectiveStatus(b, now);
        const key = `${b.target}/${status}`;
        const entry = counts.get(key) ?? { target: b.target, status, count: 0 };
        entry.count += 1;
        counts.set(key, entry);
      }
      return [...counts.values()];
    },
  };
  deps.metrics.countFarmBoardsWith(service.counts);
  return service;
}
