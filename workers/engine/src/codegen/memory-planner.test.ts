import { describe, expect, it } from "vitest";
import { seededRandom } from "../testing/random.js";
import { greedyArenaPlan, greedyPlanner, linearPlanner } from "./greedy-planner.js";
import { type BufferRequest, lifetimesOverlap, type MemoryPlanner, peakLiveBytes } from "./memory-planner.js";

const buf = (name: string, bytes: number, firstUse: number, lastUse: number): BufferRequest => ({
  name,
  bytes,
  firstUse,
  lastUse,
});

function randomBuffers(seed: number, count: number): BufferRequest[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const first = Math.floor(next() * 20);
    return buf(`b${i}`, 1 + Math.floor(next() * 5000), first, first + Math.floor(next() * 6));
  });
}

// The conformance suite: every MemoryPlanner implementation is listed here and must pass all of it.
const PLANNERS: MemoryPlanner[] = [greedyPlanner, linearPlanner];

describe.each(PLANNERS)("MemoryPlanner conformance: $name", (planner) => {
  const check = (buffers: BufferRequest[], alignment: number) => {
    const plan = planner.plan(buffers, alignment);
    expect(plan.offsets).toHaveLength(buffers.length);
    for (const [i, b] of buffers.entries()) {
      const offset = plan.offsets[i] as number;
      expect(offset % alignment, `${b.name} aligned`).toBe(0);
      expect(offset + b.bytes, `${b.name} inside the arena`).toBeLessThanOrEqual(plan.arenaBytes);
      for (const [j, c] of buffers.entries()) {
        if (j <= i || !lifetimesOverlap(b, c) || b.bytes === 0 || c.bytes === 0) continue;
        const other = plan.offsets[j] as number;
        const disjoint = offset + b.bytes <= other || other + c.bytes <= offset;
        expect(disjoint, `${b.name} and ${c.name} are alive together and must not share bytes`).toBe(true);
      }
    }
    expect(plan.arenaBytes % alignment).toBe(0);
    expect(plan.arenaBytes).toBeGreaterThanOrEqual(peakLiveBytes(buffers, alignment));
    return plan;
  };

  it("places nothing in an empty arena", () => {
    expect(planner.plan([], 16)).toEqual({ offsets: [], arenaBytes: 0 });
  });

  it("keeps simultaneously live buffers apart, aligned, inside the arena (random cases)", () => {
    for (let seed = 1; seed <= 50; seed++) check(randomBuffers(seed, 1 + (seed % 17)), seed % 2 ? 16 : 4);
  });

  it("gives a lone buffer offset 0 and its aligned size", () => {
    expect(check([buf("x", 100, 0, 3)], 16)).toEqual({ offsets: [0], arenaBytes: 112 });
  });

  it("never lets two buffers of the same op overlap (scratch beside input and output)", () => {
    check([buf("in", 490, 0, 0), buf("scratch", 64, 0, 0), buf("out", 8000, 0, 1)], 16);
  });
});

describe("greedyArenaPlan", () => {
  it("reuses memory along a chain: the arena is the largest pair of neighbours (the lower bound)", () => {
    // a → b → c → d: each op reads one buffer and writes the next.
    const chain = [buf("a", 490, 0, 0), buf("b", 8000, 0, 1), buf("c", 8000, 1, 2), buf("d", 64, 2, 3)];
    const plan = greedyArenaPlan(chain, 16);
    expect(plan.arenaBytes).toBe(16000);
    expect(plan.arenaBytes).toBe(peakLiveBytes(chain, 16));
    // b and c take the bottom; a meets only b, so it reuses c's bytes; d meets only c, so it reuses b's.
    expect(plan.offsets).toEqual([8000, 0, 8000, 0]);
  });

  it("packs a short-lived scratch buffer into the gap left by a dead buffer", () => {
    const buffers = [buf("x", 1000, 0, 1), buf("y", 1000, 1, 2), buf("z", 1000, 2, 3), buf("scratch", 900, 2, 2)];
    const plan = greedyArenaPlan(buffers, 16);
    // x is dead at step 2: z takes its place and the scratch sits above y.
    expect(plan.arenaBytes).toBe(peakLiveBytes(buffers, 16));
    expect(plan.arenaBytes).toBe(2 * 1008 + 912);
  });

  it("is optimal on a diamond (two branches alive together, then joined)", () => {
    const diamond = [buf("in", 256, 0, 1), buf("left", 512, 0, 2), buf("right", 512, 1, 2), buf("out", 1024, 2, 3)];
    const plan = greedyArenaPlan(diamond, 16);
    expect(plan.arenaBytes).toBe(peakLiveBytes(diamond, 16));
    expect(plan.arenaBytes).toBe(2048);
  });

  it("uses far less than the linear plan on a deep chain", () => {
    const chain = Array.from({ length: 10 }, (_, i) => buf(`t${i}`, 1000, i, i + 1));
    expect(greedyArenaPlan(chain, 16).arenaBytes).toBe(2 * 1008);
    expect(linearPlanner.plan(chain, 16).arenaBytes).toBe(10 * 1008);
  });

  it("is deterministic and orders ties by first use", () => {
    const ties = [buf("late", 100, 5, 6), buf("early", 100, 0, 6)];
    expect(greedyArenaPlan(ties, 4).offsets).toEqual([112 - 12, 0]);
    expect(greedyArenaPlan(ties, 4)).toEqual(greedyArenaPlan(ties, 4));
  });

  it("places zero-byte buffers without taking space", () => {
    const plan = greedyArenaPlan([buf("empty", 0, 0, 5), buf("x", 32, 0, 5)], 16);
    expect(plan.arenaBytes).toBe(32);
  });
});
