/**
 * The campaign's random source: mulberry32, seeded per case from (campaign seed, lane, case index), so that any
 * case can be made again alone from the three numbers a report names, in the runner or in its parent.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** One of `choices` by weight: [weight, value] pairs. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((a, [w]) => a + w, 0);
    let r = this.next() * total;
    for (const [w, v] of choices) {
      r -= w;
      if (r < 0) return v;
    }
    return (choices.at(-1) as readonly [number, T])[1];
  }

  /**
   * An integer a hostile file would hold: the edges of the integer types, the paddings (2^31, 65535),
   * just past the engine's bounds, zero and negatives, or a small value.
   */
  interesting(): number {
    return this.pick(INTERESTING)();
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

const INTERESTING: readonly (() => number)[] = [
  () => 0,
  () => -1,
  () => 1,
  () => 2,
  () => 3,
  () => 7,
  () => 255,
  () => 256,
  () => 65535,
  () => 65536,
  () => 16_385,
  () => 16_777_217,
  () => 2 ** 31 - 1,
  () => 2 ** 31,
  () => -(2 ** 31),
  () => 2 ** 32,
  () => 2 ** 40,
  () => 2 ** 53,
  () => -(2 ** 53),
];

/** The seed of case `index` of `lane` in a campaign seeded with `seed` (a 32-bit mix of the three). */
export function caseSeed(seed: number, lane: string, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of `${lane}:${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}
