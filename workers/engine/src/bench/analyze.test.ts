import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { HARDWARE_TARGETS } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { FIRMWARE_DIR } from "../testing/fixtures.js";
import { npzOf } from "../testing/npz.js";
import { analyzeBenchmark, type BenchmarkRun } from "./analyze.js";
import { benchmark } from "./bench.js";
import { type EmulatedBoard, emulatedBoard } from "./boards.js";
import { type PreparedBenchmark, prepareBenchmark } from "./prepare.js";
import { runFirmware } from "./qemu.js";

/**
 * The bench split as the grid runs it: `prepareBenchmark` on one machine, the firmware run elsewhere (here QEMU
 * through `runFirmware`, the farm agent's runner), `analyzeBenchmark` from the stored bytes. It must give the figures
 * of the one-machine `benchmark`, count outputs that differ from the host build, and label a physical board's
 * cycles and energy as measured.
 */

type WriteFcModel = (dir: string, sizes: Record<string, number>) => { inputs: number; outputs: number };

let work: string;
let prepared: PreparedBenchmark;
let run: BenchmarkRun;
let dataset: Uint8Array;

beforeAll(async () => {
  const generator = await import(pathToFileURL(join(FIRMWARE_DIR, "tests/fc_model/generate.mjs")).href);
  work = await mkdtemp(join(tmpdir(), "bench-analyze-"));
  const model = (generator.writeFcModel as WriteFcModel)(join(work, "c"), {
    inputs: 32,
    hidden: 16,
    outputs: 4,
    seed: 9,
  });
  const count = 8;
  dataset = npzOf({
    x_int8: {
      descr: "|i1",
      shape: [count, model.inputs],
      data: Int8Array.from({ length: count * model.inputs }, (_, i) => ((i * 31 + 7) % 256) - 128),
    },
    y: { descr: "<i8", shape: [count], data: BigInt64Array.from({ length: count }, (_, i) => BigInt(i % 4)) },
  });
  prepared = await prepareBenchmark({ firmwareDir: FIRMWARE_DIR, dir: work, target: "cortex-m4", dataset });
  const elf = join(work, "stored.elf");
  await writeFile(elf, prepared.elf);
  run = await runFirmware({
    board: emulatedBoard("cortex-m4") as EmulatedBoard,
    elf,
    inputs: prepared.inputs,
    inferences: prepared.count,
    outputBytes: prepared.header.outputBytes,
  });
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe("prepareBenchmark + analyzeBenchmark", () => {
  it("prepares the firmware, its map, the inputs and the host's expected outputs as bytes", () => {
    expect(prepared.board).toBe("mps2-an386");
    expect(prepared.count).toBe(8);
    expect(prepared.inputs.length).toBe(8 * prepared.header.inputBytes);
    expect(prepared.expected.length).toBe(8 * prepared.header.outputBytes);
    expect(Array.from(prepared.elf.subarray(0, 4))).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(prepared.map).toMatch(/Linker script and memory map/);
    expect(Array.from(prepared.labels ?? [])).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it("gives the one-machine benchmark's figures from the stored bytes", async () => {
    const split = analyzeBenchmark(prepared, run);
    const whole = await benchmark({ firmwareDir: FIRMWARE_DIR, dir: work, target: "cortex-m4", dataset });
    const { emulator: _a, ...splitRecord } = split.record;
    const { emulator: _b, ...wholeRecord } = whole.record;
    expect(splitRecord).toEqual(wholeRecord);
    expect(split.deployment).toEqual(whole.deployment);
    expect(split.record.outputs.matchingHost).toBe(8);
    expect(split.record.memory.code?.modelBytes).toBeGreaterThan(0);
  });

  it("counts the inferences whose outputs differ from the host build", () => {
    const outputs = run.outputs.slice();
    outputs[0] = (outputs[0] as number) ^ 1;
    outputs[3 * prepared.header.outputBytes] = (outputs[3 * prepared.header.outputBytes] as number) ^ 0x80;
    const result = analyzeBenchmark(prepared, { ...run, outputs });
    expect(result.deployment.outputsMatchingHost).toBe(6);
    expect(result.record.outputs.sha256).not.toBe(analyzeBenchmark(prepared, run).record.outputs.sha256);
  });

  it("labels a physical board's cycles and energy as measured, with no cost-model estimate", () => {
    const cycles = run.perInference.map((n) => n * 2);
    const result = analyzeBenchmark(prepared, {
      ...run,
      perInference: cycles,
      summary: { ...run.summary, counter: "dwt_cyccnt" },
      source: "measured",
      energyUjPerInference: 12.5,
      command: ["probe-rs", "run", "fw.elf"],
    });
    const mean = Math.round(cycles.reduce((a, b) => a + b, 0) / cycles.length);
    expect(result.record.estimate).toBeNull();
    expect(result.deployment.latencyMs).toEqual({
      value: mean / (HARDWARE_TARGETS["cortex-m4"].clockMhz * 1e3),
      source: "measured",
    });
    expect(result.deployment.energyUj).toEqual({ value: 12.5, source: "measured" });
    expect(result.deployment.instructionsPerInference).toEqual({ value: mean, source: "measured" });
    expect(result.deployment.emulator).toBe("probe-rs run fw.elf");
  });

  it("refuses a run with fewer inferences than prepared", () => {
    const short = { ...run, perInference: run.perInference.slice(1) };
    expect(() => analyzeBenchmark(prepared, short)).toThrow(EngineError);
    expect(() => analyzeBenchmark(prepared, short)).toThrow(/ran 7 of 8 inferences/);
  });
});

describe("prepareBenchmark cancelled", () => {
  it("an aborted signal stops the builds and rejects with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("activity cancelled");
    const started = performance.now();
    setTimeout(() => controller.abort(reason), 150);
    const failure = await prepareBenchmark({
      firmwareDir: FIRMWARE_DIR,
      dir: work,
      target: "riscv",
      dataset,
      signal: controller.signal,
    }).catch((e) => e);
    expect(failure).toBe(reason);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
