import { describe, expect, it } from "vitest";
import { parseAgentConfig } from "./agent-config.js";
import { BoardPool, NoHealthyBoardError } from "./board-pool.js";
import { QemuBoardDriver } from "./drivers/qemu-driver.js";

const poolOf = (...ids: string[]) =>
  new BoardPool(
    parseAgentConfig({
      host: "h",
      boards: [
        ...ids.map((id) => ({ id, target: "cortex-m4", connection: { driver: "qemu" } })),
        { id: "m7", target: "cortex-m7", connection: { driver: "qemu" } },
      ],
    }).boards.map((config) => ({ config, driver: new QemuBoardDriver(config.target) })),
  );

describe("BoardPool", () => {
  it("hands out idle boards of the target, then makes later jobs wait in arrival order", async () => {
    const pool = poolOf("a", "b");
    const a = await pool.acquire("cortex-m4", "j1");
    const b = await pool.acquire("cortex-m4", "j2");
    expect([a.config.id, b.config.id]).toEqual(["a", "b"]);
    const order: string[] = [];
    const j3 = pool.acquire("cortex-m4", "j3").then((board) => order.push(`j3:${board.config.id}`));
    const j4 = pool.acquire("cortex-m4", "j4").then((board) => order.push(`j4:${board.config.id}`));
    pool.release(b);
    await j3;
    pool.release(a);
    await j4;
    expect(order).toEqual(["j3:b", "j4:a"]);
    expect(pool.report().map((r) => [r.id, r.status, r.currentJobId])).toEqual([
      ["a", "busy", "j4"],
      ["b", "busy", "j3"],
      ["m7", "idle", null],
    ]);
  });

  it("an unhealthy board is skipped; with none healthy left, waiting jobs are refused", async () => {
    const pool = poolOf("a", "b");
    const a = await pool.acquire("cortex-m4", "j1");
    const b = await pool.acquire("cortex-m4", "j2");
    const waiting = pool.acquire("cortex-m4", "j3");
    pool.markUnhealthy(a, "timed out after 1 s running job j1");
    expect(pool.healthyCount("cortex-m4")).toBe(1);
    pool.markUnhealthy(b, "timed out after 1 s running job j2");
    await expect(waiting).rejects.toBeInstanceOf(NoHealthyBoardError);
    await expect(pool.acquire("cortex-m4", "j4")).rejects.toThrow("no healthy cortex-m4 board left on this host");
    expect(pool.report()[0]).toMatchObject({ status: "unhealthy", detail: "timed out after 1 s running job j1" });
    // the other target is not affected, and a board back in service serves again
    expect((await pool.acquire("cortex-m7", "j5")).config.id).toBe("m7");
    pool.markHealthy(a);
    expect((await pool.acquire("cortex-m4", "j6")).config.id).toBe("a");
  });

  it("a job cancelled while waiting leaves the queue", async () => {
    const pool = poolOf("a");
    const a = await pool.acquire("cortex-m4", "j1");
    const controller = new AbortController();
    const waiting = pool.acquire("cortex-m4", "j2", controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    pool.release(a);
    expect(pool.report()[0]).toMatchObject({ status: "idle", currentJobId: null });
  });

  it("tells its listeners about every change", async () => {
    const pool = poolOf("a");
    const seen: string[] = [];
    pool.onChange((board) => seen.push(`${board.config.id}:${board.status}`));
    const a = await pool.acquire("cortex-m4", "j1");
    pool.release(a);
    pool.markUnhealthy(a, "gone");
    expect(seen).toEqual(["a:busy", "a:idle", "a:unhealthy"]);
  });
});
