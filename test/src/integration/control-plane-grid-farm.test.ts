import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  DATABASES,
  FARM_TOKEN,
  serveControlPlane,
  submitJob,
  trpcOf,
  useGridTenants,
} from "./support/control-plane-grid.js";

/** Farm agents' board reports and the board registry they fill, on SQLite and PostgreSQL. */
describe.each(DATABASES)("the farm registry on $name", (db) => {
  const { t, call, errorOf } = useGridTenants(db);

  describe("farm board reports", () => {
    const report = (body: unknown, token: string | null = FARM_TOKEN) =>
      call("/internal/farm/boards", token, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const boardsOf = async (token: string | null) => call("/api/farm/boards", token);
    type Board = { host: string; id: string; status: string; current_job_id: string | null; detail: string | null };
    const host = () => `farm-${randomUUID().slice(0, 8)}`;

    it("refuses a missing or wrong token (401) and a report that breaks the contract (400), storing nothing", async () => {
      const name = host();
      const good = {
        host: name,
        boards: [{ id: "m4-0", target: "cortex-m4", driver: "qemu", status: "idle", currentJobId: null, detail: null }],
      };
      const noToken = await report(good, null);
      expect(noToken.status).toBe(401);
      expect(await errorOf(noToken)).toEqual({
        code: "UNAUTHORIZED",
        message: "farm reports need Authorization: Bearer <FARM_TOKEN> (the control plane's farm token)",
      });
      expect((await report(good, `${FARM_TOKEN}x`)).status).toBe(401);
      // A user's credential is not a farm token either.
      expect((await report(good, t.owner.token)).status).toBe(401);

      const bad = await report({
        host: name,
        boards: [{ id: "M4_0", target: "avr", driver: "qemu", status: "offline", currentJobId: null, detail: null }],
      });
      expect(bad.status).toBe(400);
      const { message } = await errorOf(bad);
      expect(message).toMatch(/^invalid farm report: /);
      for (const field of ["boards.0.id", "boards.0.target", "boards.0.status"]) expect(message).toContain(field);
      const long = await report({ host: name, boards: [{ ...good.boards[0], id: `m${"4".repeat(100)}` }] });
      expect(long.status).toBe(400);
      expect((await errorOf(long)).message).toBe("invalid farm report: boards.0.id: at most 100 characters");
      const twice = await report({ host: name, boards: [good.boards[0], good.boards[0]] });
      expect(twice.status).toBe(400);
      expect((await errorOf(twice)).message).toBe(
        "invalid farm report: board ids must be unique per host (repeated: m4-0)",
      );
      expect((await report("{not json")).status).toBe(400);
      const listed = (await (await boardsOf(t.owner.token)).json()) as { boards: Board[] };
      expect(listed.boards.filter((b) => b.host === name)).toEqual([]);
    });

    it("upserts a host's boards, marks the ones it stops listing offline, and shows job ids only to their organization", async () => {
      const { cp } = t.served;
      const job = await submitJob(cp, t.owner.token);
      const name = host();
      const first = await report({
        host: name,
        boards: [
          { id: "m4-0", target: "cortex-m4", driver: "qemu", status: "busy", currentJobId: job.id, detail: null },
          {
            id: "m4-1",
            target: "cortex-m4",
            driver: "qemu",
            status: "unhealthy",
            currentJobId: null,
            detail: `timed out after 300 s running job ${job.id}`,
          },
          { id: "rv-0", target: "riscv", driver: "qemu", status: "idle", currentJobId: null, detail: null },
        ],
      });
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ host: name, boards: 3, markedOffline: [] });

      const mine = ((await (await boardsOf(t.owner.token)).json()) as { boards: Board[] }).boards.filter(
        (b) => b.host === name,
      );
      expect(mine.map((b) => [b.id, b.status, b.current_job_id])).toEqual([
        ["m4-0", "busy", job.id],
        ["m4-1", "unhealthy", null],
        ["rv-0", "idle", null],
      ]);
      expect(mine[1]?.detail).toBe(`timed out after 300 s running job ${job.id}`);
      const theirs = (await trpcOf(cp, t.outsider.caller).farm.boards()).filter((b) => b.host === name);
      expect(theirs.map((b) => [b.id, b.status, b.current_job_id])).toEqual([
        ["m4-0", "busy", null],
        ["m4-1", "unhealthy", null],
        ["rv-0", "idle", null],
      ]);
      expect(JSON.stringify(theirs)).not.toContain(job.id);
      expect(theirs[1]?.detail).toBe("timed out after 300 s running job a job of another organization");

      // The next report no longer lists rv-0 and m4-1: they stay, offline; m4-0 is idle again.
      const second = await report({
        host: name,
        boards: [{ id: "m4-0", target: "cortex-m4", driver: "qemu", status: "idle", currentJobId: null, detail: null }],
      });
      expect(await second.json()).toEqual({ host: name, boards: 1, markedOffline: ["m4-1", "rv-0"] });
      const after = (await trpcOf(cp, t.owner.caller).farm.boards()).filter((b) => b.host === name);
      expect(after.map((b) => [b.id, b.status])).toEqual([
        ["m4-0", "idle"],
        ["m4-1", "offline"],
        ["rv-0", "offline"],
      ]);
      expect(after[2]?.detail).toMatch(new RegExp(`^not in the latest report of host ${name} `));
      expect((await boardsOf(null)).status).toBe(401);
    });

    it("shows a board offline once its host has been silent for FARM_BOARD_OFFLINE_AFTER_MS; the gauge counts by status", async () => {
      const { cp } = t.served;
      const name = host();
      await report({
        host: name,
        boards: [
          { id: "m7-0", target: "cortex-m7", driver: "qemu", status: "busy", currentJobId: null, detail: null },
          { id: "m7-1", target: "cortex-m7", driver: "probe", status: "idle", currentJobId: null, detail: null },
        ],
      });
      const gauge = async () => {
        const text = await cp.metrics.registry.metrics();
        const value = (status: string) =>
          Number(new RegExp(`tinyml_farm_boards\\{target="cortex-m7",status="${status}"\\} (\\d+)`).exec(text)?.[1]);
        return { busy: value("busy"), idle: value("idle"), offline: value("offline") };
      };
      const fresh = await gauge();
      // 31 s pass for this host (its last report moved back in the database).
      await cp.orm.em
        .fork()
        .getConnection()
        .execute("update farm_boards set last_seen_at = ? where host = ?", [new Date(Date.now() - 31_000), name]);
      const stale = (await trpcOf(cp, t.owner.caller).farm.boards()).filter((b) => b.host === name);
      expect(stale.map((b) => b.status)).toEqual(["offline", "offline"]);
      expect(await gauge()).toEqual({ busy: fresh.busy - 1, idle: fresh.idle - 1, offline: fresh.offline + 2 });
      // The host reports again: back in service.
      await report({
        host: name,
        boards: [{ id: "m7-0", target: "cortex-m7", driver: "qemu", status: "idle", currentJobId: null, detail: null }],
      });
      const back = (await trpcOf(cp, t.owner.caller).farm.boards()).filter((b) => b.host === name);
      expect(back.map((b) => [b.id, b.status])).toEqual([
        ["m7-0", "idle"],
        ["m7-1", "offline"],
      ]);
    });

    it("without FARM_TOKEN the control plane takes no reports (503 saying what to set)", async () => {
      const closed = await serveControlPlane();
      try {
        const res = await closed.cp.app.request("/internal/farm/boards", {
          method: "POST",
          headers: { authorization: `Bearer ${FARM_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ host: "h", boards: [] }),
        });
        expect(res.status).toBe(503);
        expect((await errorOf(res)).message).toBe(
          "farm reports are off: set FARM_TOKEN on the control plane and give the farm agents the same token",
        );
      } finally {
        await closed.close();
      }
    });
  });
});
