import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { seededRandom } from "../testing/random.js";
import { importTflite } from "./import.js";

const FIXTURES =
  process.env.TINYML_FIXTURES ?? fileURLToPath(new URL("../../../../../shared/fixtures/", import.meta.url));

interface Outcome {
  imported: number;
  refused: Record<string, number>;
  crashes: string[];
  slowestMs: number;
}

function feed(variants: Iterable<[string, Uint8Array]>): Outcome {
  const outcome: Outcome = { imported: 0, refused: {}, crashes: [], slowestMs: 0 };
  for (const [label, bytes] of variants) {
    const started = performance.now();
    try {
      importTflite(bytes, label);
      outcome.imported++;
    } catch (e) {
      if (e instanceof EngineError) outcome.refused[e.code] = (outcome.refused[e.code] ?? 0) + 1;
      else outcome.crashes.push(`${label}: ${(e as Error).stack?.split("\n").slice(0, 3).join(" | ")}`);
    }
    outcome.slowestMs = Math.max(outcome.slowestMs, performance.now() - started);
  }
  return outcome;
}

const MODELS = [
  "tflite-micro/hello_world/hello_world_int8.tflite",
  "tflite-micro/micro_speech/micro_speech_quantized.tflite",
  "mlperf-tiny/kws/kws_ref_model.tflite",
  "mlperf-tiny/sww/str_ww_ref_model.tflite",
  "tflite-micro/person_detection/person_detect.tflite",
];
const CORRUPTIONS_PER_MODEL: Record<string, number> = { "person_detect.tflite": 400 };

/** Truncations: every length for small files, else the first and last 256 lengths and a sample between. */
function* truncations(name: string, original: Uint8Array, rand: () => number): Generator<[string, Uint8Array]> {
  const n = original.length;
  const lengths = new Set<number>();
  if (n <= 4096) for (let i = 0; i < n; i++) lengths.add(i);
  else {
    for (let i = 0; i < 256; i++) lengths.add(i).add(n - 1 - i);
    for (let i = 0; i < 300; i++) lengths.add(Math.floor(rand() * n));
  }
  for (const len of lengths) yield [`${name} cut at ${len}`, original.subarray(0, len)];
}

/** Bit flips, byte and word overwrites (small, large, offset-like values), each at random places. */
function* corruptions(name: string, original: Uint8Array, rand: () => number, count: number) {
  for (let k = 0; k < count; k++) {
    const bytes = original.slice();
    const kind = k % 4;
    // Half of the damage lands in the first 1 KiB, where the tables and vtables live.
    const at = () => Math.floor(rand() < 0.5 ? rand() * Math.min(1024, bytes.length) : rand() * bytes.length);
    if (kind === 0) {
      const p = at();
      bytes[p] = (bytes[p] as number) ^ (1 << Math.floor(rand() * 8));
    } else if (kind === 1) {
      for (let j = 1 + Math.floor(rand() * 8); j > 0; j--) bytes[at()] = Math.floor(rand() * 256);
    } else if (kind === 2) {
      const p = at() & ~3;
      const values = [
        0,
        0xffffffff,
        0x7fffffff,
        0x80000000,
        bytes.length,
        bytes.length - 2,
        Math.floor(rand() * 2 ** 32),
      ];
      new DataView(bytes.buffer).setUint32(
        Math.min(p, bytes.length - 4),
        values[Math.floor(rand() * values.length)] as number,
        true,
      );
    } else {
      const p = at();
      bytes.fill(rand() < 0.5 ? 0 : 0xff, p, p + 1 + Math.floor(rand() * 64));
    }
    yield [`${name} corruption ${k} (kind ${kind})`, bytes] as [string, Uint8Array];
  }
}

describe("importTflite on truncated, corrupted and random files", () => {
  it("gives an EngineError or a graph for every variant: never another error, never a hang", () => {
    const rand = seededRandom(20261125);
    const started = performance.now();
    let cases = 0;
    const totals: Outcome = { imported: 0, refused: {}, crashes: [], slowestMs: 0 };
    const add = (o: Outcome) => {
      totals.imported += o.imported;
      for (const [code, n] of Object.entries(o.refused)) totals.refused[code] = (totals.refused[code] ?? 0) + n;
      totals.crashes.push(...o.crashes);
      totals.slowestMs = Math.max(totals.slowestMs, o.slowestMs);
      cases += o.imported + Object.values(o.refused).reduce((a, b) => a + b, 0) + o.crashes.length;
    };
    for (const path of MODELS) {
      const original = new Uint8Array(readFileSync(`${FIXTURES}/${path}`));
      const name = path.split("/").pop() as string;
      const cut = feed(truncations(name, original, rand));
      // Cutting more than the final alignment padding always removes something the model refers to.
      const cutHard = feed([...truncations(name, original, rand)].filter(([, b]) => b.length <= original.length - 16));
      expect(cutHard.imported, `${name}: a file cut short must not import`).toBe(0);
      add(cut);
      add(feed(corruptions(name, original, rand, CORRUPTIONS_PER_MODEL[name] ?? 2500)));
    }
    const garbage: [string, Uint8Array][] = [];
    for (let k = 0; k < 500; k++) {
      const bytes = new Uint8Array(Math.floor(rand() ** 3 * 65536));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
      if (k % 2 === 0 && bytes.length >= 8) bytes.set([0x18, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33]); // "TFL3" header
      garbage.push([`random ${k} (${bytes.length} bytes)`, bytes]);
    }
    add(feed(garbage));
    const seconds = (performance.now() - started) / 1000;

    expect(totals.crashes).toEqual([]);
    expect(cases).toBeGreaterThan(10_000);
    // Both outcomes occur: harmless damage (in weights, padding) imports, structural damage is refused.
    expect(totals.imported).toBeGreaterThan(100);
    expect(totals.refused.CORRUPT_MODEL ?? 0).toBeGreaterThan(5000);
    expect(totals.slowestMs).toBeLessThan(1000);
    expect(seconds).toBeLessThan(20);
    console.log(
      `fuzz: ${cases} variants in ${seconds.toFixed(1)} s`,
      JSON.stringify(totals.refused),
      `imported ${totals.imported}`,
    );
  }, 60_000);
});
