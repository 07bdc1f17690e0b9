import type { SlotReserveContext } from "@temporalio/worker";
import { describe, expect, it } from "vitest";
import { parseAgentConfig } from "./agent-config.js";
import { BoardPool } from "./board-pool.js";
import { boardSlotSupplier } from "./board-slots.js";
import { QemuBoardDriver } from "./drivers/qemu-driver.js";

const ctx = {} as SlotReserveContext;
const settled = async (p: Promise<unknown>) => {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((r) => setTimeout(r, 20));
  return done;
};

describe("boardSlotSupplier: a slot per healthy board, live", () => {
  const pool = () =>
    new BoardPool(
      parseAgentConfig({
        host: "h",
        boards: ["a", "b"].map((id) => ({ id, target: "cortex-m4", connection: { driver: "qemu" } })),
      }).boards.map((config) => ({ config, driver: new QemuBoardDriver(config.target) })),
    );

  it("grants as many slots as healthy boards, then waits; a released slot goes to the waiter", async () => {
    const boards = pool();
    const slots = boardSlotSupplier(boards, "cortex-m4");
    const first = await slots.reserveSlot(ctx, new AbortController().signal);
    expect(slots.tryReserveSlot(ctx)).not.toBeNull();
    expect(slots.tryReserveSlot(ctx)).toBeNull();
    const third = slots.reserveSlot(ctx, new AbortController().signal);
    expect(await settled(third)).toBe(false);
    slots.releaseSlot({ permit: first });
    expect(await settled(third)).toBe(true);
  });

  it("an unhealthy board takes its slot away, a recovered one gives it back", async () => {
    const boards = pool();
    const slots = boardSlotSupplier(boards, "cortex-m4");
    const a = boards.all()[0];
    if (!a) throw new Error("no board");
    boards.markUnhealthy(a, "timed out");
    const only = slots.tryReserveSlot(ctx);
    expect(only).not.toBeNull();
    const waiting = slots.reserveSlot(ctx, new AbortController().signal);
    expect(await settled(waiting)).toBe(false);
    boards.markHealthy(a);
    expect(await settled(waiting)).toBe(true);
  });

  it("a reservation the worker no longer needs is rejected with the abort's reason and takes no slot", async () => {
    const boards = pool();
    const slots = boardSlotSupplier(boards, "cortex-m4");
    slots.tryReserveSlot(ctx);
    slots.tryReserveSlot(ctx);
    const controller = new AbortController();
    const waiting = slots.reserveSlot(ctx, controller.signal);
    const reason = new Error("poller stopped");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    slots.releaseSlot({ permit: {} });
    expect(slots.tryReserveSlot(ctx)).not.toBeNull();
  });
});
