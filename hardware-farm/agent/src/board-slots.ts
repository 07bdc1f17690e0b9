import type { ActivitySlotInfo, CustomSlotSupplier, SlotPermit, TunerHolder } from "@temporalio/worker";
import type { TargetId } from "@tinyml/workflows/contracts";
import type { BoardPool } from "./board-pool.js";

/**
 * The worker's activity slots are the target's healthy boards, live: Temporal's worker reserves a slot before it
 * polls for a task, and a slot is granted only while fewer slots are out than the target has healthy boards. So
 * the agent polls exactly when a board can take the task (the server then hands it the most urgent one: task
 * priority), a board that goes unhealthy takes its slot away at once, and one that comes back gives it back.
 * (A fixed `maxConcurrentActivityTaskExecutions` would keep polling for boards that are no longer there.)
 */
export function boardSlotSupplier(pool: BoardPool, target: TargetId): CustomSlotSupplier<ActivitySlotInfo> {
  let outstanding = 0;
  const waiting = new Set<() => boolean>();
  const take = (): SlotPermit | null => {
    if (outstanding >= pool.healthyCount(target)) return null;
    outstanding++;
    return { target };
  };
  const wake = () => {
    for (const waiter of waiting) if (waiter()) waiting.delete(waiter);
  };
  pool.onChange(wake);
  return {
    type: "custom",
    reserveSlot: (_ctx, abortSignal) =>
      new Promise<SlotPermit>((resolve, reject) => {
        const permit = take();
        if (permit) {
          resolve(permit);
          return;
        }
        const waiter = () => {
          const granted = take();
          if (granted) {
            abortSignal.removeEventListener("abort", onAbort);
            resolve(granted);
          }
          return granted !== null;
        };
        const onAbort = () => {
          waiting.delete(waiter);
          reject(abortSignal.reason);
        };
        abortSignal.addEventListener("abort", onAbort, { once: true });
        waiting.add(waiter);
      }),
    tryReserveSlot: () => take(),
    markSlotUsed: () => {},
    releaseSlot: () => {
      outstanding--;
      wake();
    },
  };
}

/** A tuner for an activity-only farm worker: board slots for activities, one slot for the rest (unused). */
export function farmWorkerTuner(pool: BoardPool, target: TargetId): TunerHolder {
  return {
    activityTaskSlotSupplier: boardSlotSupplier(pool, target),
    workflowTaskSlotSupplier: { type: "fixed-size", numSlots: 1 },
    localActivityTaskSlotSupplier: { type: "fixed-size", numSlots: 1 },
    nexusTaskSlotSupplier: { type: "fixed-size", numSlots: 1 },
  };
}
