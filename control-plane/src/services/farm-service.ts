import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import { type EntityManager, UniqueConstraintViolationException } from "@mikro-orm/knex";
import { FARM_BOARD_OFFLINE_AFTER_MS, FarmReport } from "@tinyml/workflows/contracts";
import { type FarmBoard, FarmBoardSchema, JobSchema } from "../db/entities/index.js";
import { AppError, badRequest, unauthorized } from "../errors.js";
import type { Metrics } from "../metrics/metrics.js";
import type { FarmBoardView } from "../schemas/farm.js";
import type { Caller } from "./caller.js";
import { isUuid } from "./ids.js";

const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const HIDDEN_JOB = "a job of another organization";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * The hardware farm's board registry. Each farm host reports its whole board list (`report`); boards it no
 * longer lists are kept, marked offline, so an unplugged board stays visible. Reading (`boards`) shows a board
 * offline once its host has been silent for `FARM_BOARD_OFFLINE_AFTER_MS`, and never shows another tenant's
 * job: job ids (in `current_job_id` and in `detail`) are shown only to the organization that owns the job.
 */
export function createFarmService(deps: { orm: MikroORM; metrics: Metrics; farmToken: string | null }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  const expectedToken = deps.farmToken ? digest(deps.farmToken) : null;

  /** The status a reader sees: what the host said, or offline when the host has gone quiet. */
  const effectiveStatus = (board: FarmBoard, now: number) =>
    now - board.lastSeenAt.getTime() > FARM_BOARD_OFFLINE_AFTER_MS ? "offline" : board.status;

  async function upsert(report: FarmReport) {
    return fork().transactional(async (tx) => {
      const now = new Date();
      const existing = new Map((await tx.find(FarmBoardSchema, { host: report.host })).map((b) => [b.boardId, b]));
      for (const board of report.boards) {
        const fields = {
          target: board.target,
          driver: board.driver,
          status: board.status,
          currentJobId: board.currentJobId,
          detail: board.detail,
          lastSeenAt: now,
        };
        const row = existing.get(board.id);
        if (row) Object.assign(row, fields);
        else
          tx.create(FarmBoardSchema, {
            id: randomUUID(),
            host: report.host,
            boardId: board.id,
            createdAt: now,
            ...fields,
          });
        existing.delete(board.id);
      }
      const gone = [...existing.values()].filter((b) => b.status !== "offline");
      for (const board of gone) {
        Object.assign(board, {
          status: "offline",
          currentJobId: null,
          detail: `not in the latest report of host ${report.host} (${now.toISOString()})`,
        });
      }
      return { host: report.host, boards: report.boards.length, markedOffline: gone.map((b) => b.boardId) };
    });
  }

  const service = {
    /**
     * Checks a farm agent's bearer token against FARM_TOKEN. Without a FARM_TOKEN configured the control plane
     * takes no reports (503 saying so): a board registry anyone could write would let anyone fake the farm.
     */
    checkReporter(bearer: string | undefined) {
      if (!expectedToken) {
        throw new AppError(
          "UNAVAILABLE",
          "farm reports are off: set FARM_TOKEN on the control plane and give the farm agents the same token",
          { hint: null },
        );
      }
      // Compared as digests, in constant time, so the answer's timing says nothing about the token.
      if (!bearer || !timingSafeEqual(digest(bearer), expectedToken)) {
        throw unauthorized("farm reports need Authorization: Bearer <FARM_TOKEN> (the control plane's farm token)");
      }
    },

    /** Records a host's report (validated against the contract's `FarmReport`; 400 naming each problem). */
    async report(input: unknown) {
      const parsed = FarmReport.safeParse(input);
      if (!parsed.success) {
        throw badRequest(
          `invalid farm report: ${parsed.error.issues.map((i) => `${i.path.join(".") || "report"}: ${i.message}`).join("; ")}`,
        );
      }
      // What the registry's columns hold (the contract leaves these lengths open).
      const tooLong = parsed.data.boards.flatMap((b, i) => [
        ...(b.id.length > 100 ? [`boards.${i}.id: at most 100 characters`] : []),
        ...((b.currentJobId?.length ?? 0) > 100 ? [`boards.${i}.currentJobId: at most 100 characters`] : []),
      ]);
      if (tooLong.length > 0) throw badRequest(`invalid farm report: ${tooLong.join("; ")}`);
      const ids = parsed.data.boards.map((b) => b.id);
      const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
      if (repeated.length > 0) {
        throw badRequest(
          `invalid farm report: board ids must be unique per host (repeated: ${[...new Set(repeated)].join(", ")})`,
        );
      }
      try {
        return await upsert(parsed.data);
      } catch (e) {
        // Two reports of a new host at once: the second finds the first's rows on its retry.
        if (e instanceof UniqueConstraintViolationException) return upsert(parsed.data);
        throw e;
      }
    },

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
export type FarmService = ReturnType<typeof createFarmService>;
