/**
 * Static memory planning for generated C: every activation and kernel scratch buffer gets a fixed offset in one
 * arena whose size is a compile-time constant. A plan is computed once, ahead of time, from buffer sizes and
 * lifetimes (the step of the first op that writes a buffer and of the last op that reads it, both inclusive).
 * Two buffers may share bytes only when their lifetimes are disjoint.
 *
 * The planner sits behind `MemoryPlanner` so another strategy (TFLite Micro also has a linear planner, and
 * offline plans) can replace the greedy one; the conformance suite in `memory-planner.test.ts` runs every
 * implementation (non-overlap of simultaneously live buffers, alignment, bounds).
 */

/** One buffer to place. Steps are op indices in execution order; `firstUse` ≤ `lastUse`, both inclusive. */
export interface BufferRequest {
  name: string;
  bytes: number;
  firstUse: number;
  lastUse: number;
}

export interface MemoryPlan {
  /** Offset of each request, in the order given (a multiple of the alignment). */
  offsets: number[];
  /** Bytes the arena needs: the end of the highest buffer, rounded up to the alignment. */
  arenaBytes: number;
}

export interface MemoryPlanner {
  readonly name: string;
  plan(buffers: readonly BufferRequest[], alignment: number): MemoryPlan;
}

export const alignUp = (value: number, alignment: number): number => Math.ceil(value / alignment) * alignment;

export const lifetimesOverlap = (a: BufferRequest, b: BufferRequest): boolean =>
  a.firstUse <= b.lastUse && b.firstUse <= a.lastUse;

/**
 * The largest total size of buffers alive at one step: no plan can use fewer bytes (a lower bound the tests
 * compare plans with).
 */
export function peakLiveBytes(buffers: readonly BufferRequest[], alignment = 1): number {
  const steps = new Set(buffers.flatMap((b) => [b.firstUse, b.lastUse]));
  let peak = 0;
  for (const step of steps) {
    let live = 0;
    for (const b of buffers) if (b.firstUse <= step && step <= b.lastUse) live += alignUp(b.bytes, alignment);
    peak = Math.max(peak, live);
  }
  return peak;
}
