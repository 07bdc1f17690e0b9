import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import { type EntityManager, UniqueConstraintViolationException } from "@mikro-orm/knex";
import { FarmReport } from "@tinyml/workflows/contracts";
import { FarmBoardSchema } from "../db/entities/index.js";
import { AppError, badRequest, unauthorized } from "../errors.js";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** The report, checked against the contract's `FarmReport` and the registry's columns; 400 naming each problem. */
function parseReport(input: unknown): FarmReport {
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
  return parsed.data;
}

/** Writes a host's boards: new ones created, listed ones updated, unlisted ones marked offline. */
async function upsertBoards(em: EntityManager, report: FarmReport) {
  return em.transactional(async (tx) => {
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

/**
 * The farm hosts' side of the board registry: each host, holding the farm token, reports its whole board
 * list; boards it no longer lists are kept, marked offline, so an unplugged board stays visible.
 */
export function createFarmReports(deps: { orm: MikroORM; farmToken: string | null }) {
  const fork = () => deps.orm.em.fork() as EntityManager;
  const expectedToken = deps.farmToken ? digest(deps.farmToken) : null;

  return {
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
      const report = parseReport(input);
      try {
        return await upsertBoards(fork(), report);
      } catch (e) {
        // Two reports of a new host at once: the second finds the first's rows on its retry.
        if (e instanceof UniqueConstraintViolationException) return upsertBoards(fork(), report);
        throw e;
      }
    },
  };
}
