import type { Rng } from "./rng.js";

/**
 * Format-blind damage, as storage, transfer or a careless hand does it, and as a fuzzer finds bugs: bit flips,
 * overwritten bytes and little-endian words (with values a hostile file would hold), cut-short files, deleted,
 * repeated and inserted runs, a splice with another file. Half of the damage lands in the first KiB, where
 * headers, tables and vtables live.
 */
type ByteMutation = (bytes: Uint8Array, rng: Rng, other: Uint8Array) => Uint8Array;

const place = (bytes: Uint8Array, rng: Rng): number =>
  Math.floor(rng.chance(0.5) ? rng.next() * Math.min(1024, bytes.length) : rng.next() * bytes.length);

const MUTATIONS: readonly (readonly [number, ByteMutation])[] = [
  [
    3,
    (b, rng) => {
      const out = b.slice();
      for (let k = rng.range(1, 4); k > 0 && out.length > 0; k--) {
        const p = place(out, rng);
        out[p] = (out[p] as number) ^ (1 << rng.int(8));
      }
      return out;
    },
  ],
  [
    2,
    (b, rng) => {
      const out = b.slice();
      for (let k = rng.range(1, 8); k > 0 && out.length > 0; k--) out[place(out, rng)] = rng.int(256);
      return out;
    },
  ],
  [
    3,
    (b, rng) => {
      const out = b.slice();
      if (out.length < 4) return out;
      const at = Math.min(place(out, rng) & ~3, out.length - 4);
      const value = rng.chance(0.2) ? out.length - rng.int(16) : rng.interesting();
      new DataView(out.buffer).setUint32(at, value >>> 0, true);
      return out;
    },
  ],
  [
    2,
    (b, rng) => {
      if (b.length === 0) return b;
      return b.slice(0, rng.chance(0.5) ? rng.int(b.length) : Math.max(0, b.length - 1 - rng.int(64)));
    },
  ],
  [
    1,
    (b, rng) => {
      const at = place(b, rng);
      const n = rng.range(1, 256);
      return concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + n)));
    },
  ],
  [
    1,
    (b, rng) => {
      const at = place(b, rng);
      const run = b.subarray(at, at + rng.range(1, 512));
      return concat(b.subarray(0, at), run, run, b.subarray(at + run.length));
    },
  ],
  [
    1,
    (b, rng) => {
      const at = place(b, rng);
      return concat(b.subarray(0, at), rng.bytes(rng.range(1, 64)), b.subarray(at));
    },
  ],
  [
    1,
    (b, rng) => {
      const out = b.slice();
      const at = place(out, rng);
      out.fill(rng.chance(0.5) ? 0 : 0xff, at, at + rng.range(1, 64));
      return out;
    },
  ],
  [
    1,
    (b, rng, other) => {
      const at = place(b, rng);
      const from = rng.int(Math.max(1, other.length));
      return concat(b.subarray(0, at), other.subarray(from, from + rng.range(16, 4096)), b.subarray(at));
    },
  ],
];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One to three rounds of damage to a copy of `bytes` (`other` feeds the splices). */
export function mutateBytes(bytes: Uint8Array, rng: Rng, other: Uint8Array = bytes): Uint8Array {
  let out = bytes;
  for (
    let k = rng.weighted([
      [6, 1],
      [3, 2],
      [1, 3],
    ]);
    k > 0;
    k--
  ) {
    out = rng.weighted(MUTATIONS)(out, rng, other);
  }
  return out === bytes ? bytes.slice() : out;
}
