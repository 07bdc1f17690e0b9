import {
  alignUp,
  type BufferRequest,
  lifetimesOverlap,
  type MemoryPlan,
  type MemoryPlanner,
} from "./memory-planner.js";

/**
 * Greedy-by-size arena planning (TensorFlow Lite Micro's GreedyMemoryPlanner):
 *
 * 1. Sort the buffers by size, largest first (ties: the one needed earlier first, then request order, so the
 *    plan is deterministic).
 * 2. Place each in turn at the lowest aligned offset where it does not overlap, in bytes, any already placed
 *    buffer whose lifetime overlaps its own. Candidate offsets are 0 and the (aligned) end of every such
 *    buffer; the first candidate, in increasing order, whose range [offset, offset + size) is free wins.
 * 3. The arena is the highest end offset.
 *
 * Placing large buffers first keeps them low and packs small, short-lived ones (kernel scratch) into the gaps
 * between them. The result is not always optimal (the problem is NP-hard in general), but on chains of layers
 * it reaches the lower bound of the two largest neighbours.
 */
export function greedyArenaPlan(buffers: readonly BufferRequest[], alignment: number): MemoryPlan {
  const order = buffers
    .map((b, index) => ({ b, index, bytes: alignUp(b.bytes, alignment) }))
    .sort((x, y) => y.bytes - x.bytes || x.b.firstUse - y.b.firstUse || x.index - y.index);
  const offsets = new Array<number>(buffers.length).fill(0);
  const placed: { b: BufferRequest; offset: number; bytes: number }[] = [];
  let arenaBytes = 0;
  for (const { b, index, bytes } of order) {
    const conflicts = placed.filter((p) => lifetimesOverlap(p.b, b)).sort((x, y) => x.offset - y.offset);
    let offset = 0;
    if (bytes > 0) {
      const candidates = [0, ...conflicts.map((p) => alignUp(p.offset + p.bytes, alignment))].sort((x, y) => x - y);
      offset =
        candidates.find((start) =>
          conflicts.every((p) => p.bytes === 0 || start + bytes <= p.offset || p.offset + p.bytes <= start),
        ) ?? 0;
    }
    offsets[index] = offset;
    placed.push({ b, offset, bytes });
    arenaBytes = Math.max(arenaBytes, offset + bytes);
  }
  return { offsets, arenaBytes: alignUp(arenaBytes, alignment) };
}

/** Linear planning (TensorFlow Lite Micro's LinearMemoryPlanner): every buffer its own bytes, no sharing. */
function linearArenaPlan(buffers: readonly BufferRequest[], alignment: number): MemoryPlan {
  let next = 0;
  const offsets = buffers.map((b) => {
    const offset = next;
    next += alignUp(b.bytes, alignment);
    return offset;
  });
  return { offsets, arenaBytes: next };
}

export const greedyPlanner: MemoryPlanner = { name: "greedy-by-size", plan: greedyArenaPlan };
export const linearPlanner: MemoryPlanner = { name: "linear", plan: linearArenaPlan };
