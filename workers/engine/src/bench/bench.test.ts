import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { TargetId } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildHostRunner } from "../codegen/host-build.js";
import { EngineError } from "../errors.js";
import { OptimizationReportSchema } from "../report.js";
import { FIRMWARE_DIR } from "../testing/fixtures.js";
import { npzOf } from "../testing/npz.js";
import { benchmark, writeBenchResult } from "./bench.js";

/**
 * The benchmark firmware on every emulated board, with the int8 test model of hardware-farm/firmware/tests/fc_model
 * (two fully connected layers in plain C): its output bytes must equal the model's independent JavaScript reference
 * (BigInt products, TensorFlow Lite requantization) and the same C built for the host; instruction counts must be
 * positive, repeatable and grow with the model; a model bigger than the flash must fail to link.
 */

interface FcModel {
  inputs: number;
  outputs: number;
  run(x: Int8Array): Uint8Array;
}
type WriteFcModel = (dir: string, sizes: Record<string, number>) => FcModel;

let writeFcModel: WriteFcModel;
let work: string;

beforeAll(async () => {
  const generator = await import(pathToFileURL(join(FIRMWARE_DIR, "tests/fc_model/generate.mjs")).href);
  writeFcModel = generator.writeFcModel as WriteFcModel;
  work = await mkdtemp(join(tmpdir(), "bench-test-"));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** Deterministic int8 inputs and labels. */
function dataset(model: FcModel, count: number): { bytes: Uint8Array; x: Int8Array; y: BigInt64Array } {
  const x = Int8Array.from({ length: count * model.inputs }, (_, i) => ((i * 7919 + 13) % 256) - 128);
  const y = BigInt64Array.from({ length: count }, (_, i) => BigInt(i % model.outputs));
  const bytes = npzOf({
    x_int8: { descr: "|i1", shape: [count, model.inputs], data: x },
    y: { descr: "<i8", shape: [count], data: y },
  });
  return { bytes, x, y };
}

async function modelDir(name: string, sizes: Record<string, number>): Promise<{ dir: string; model: FcModel }> {
  const dir = join(work, name);
  const model = writeFcModel(join(dir, "c"), sizes);
  return { dir, model };
}

const expectedOutputs = (model: FcModel, x: Int8Array, count: number) =>
  Buffer.concat(
    Array.from({ length: count }, (_, i) =>
      Buffer.from(model.run(x.subarray(i * model.inputs, (i + 1) * model.inputs))),
    ),
  );

/** A hand-written model folder (4 int8 in, 4 int8 out, a 16-byte arena) whose model.c holds `body`. */
async function writeTestModel(dir: string, body: string): Promise<void> {
  await mkdir(join(dir, "c"), { recursive: true });
  await writeFile(
    join(dir, "c", "model.h"),
    `#include <stddef.h>
#include <stdint.h>
#define TML_MODEL_ARENA_SIZE 16
#define TML_MODEL_INPUT_BYTES 4
#define TML_MODEL_INPUT_TYPE_INT8 1
#define TML_MODEL_INPUT_SCALE 1.0f
#define TML_MODEL_INPUT_ZERO_POINT 0
#define TML_MODEL_OUTPUT_BYTES 4
#define TML_MODEL_OUTPUT_TYPE_INT8 1
#define TML_MODEL_OUTPUT_SCALE 1.0f
#define TML_MODEL_OUTPUT_ZERO_POINT 0
int tml_model_init(uint8_t *arena, size_t arena_size);
int tml_model_run(const void *input, void *output);
`,
  );
  await writeFile(join(dir, "c", "model.c"), `#include <string.h>\n#include "model.h"\n${body}\n`);
  await writeFile(
    join(dir, "c", "CMakeLists.txt"),
    // the CMake variable is written with "$" + "{" so that it is not read as a template placeholder
    `add_library(tinyml_model STATIC ${"$"}{CMAKE_CURRENT_LIST_DIR}/model.c)\n`,
  );
}

const BOARDS: [TargetId, string][] = [
  ["cortex-m4", "mps2-an386"],
  ["cortex-m7", "mps2-an500"],
  ["riscv", "riscv32-virt"],
  ["stm32", "netduinoplus2"],
  ["cortex-a", "arm-virt"],
];

describe("bench on the emulated boards", () => {
  it.each(BOARDS)("%s (%s): output bytes equal the reference and the host build", async (target, board) => {
    const { dir, model } = await modelDir(`small-${target}`, { inputs: 64, hidden: 32, outputs: 10, seed: 3 });
    const data = dataset(model, 12);
    const result = await benchmark({ firmwareDir: FIRMWARE_DIR, dir, target, dataset: data.bytes });
    expect(result.record.board).toBe(board);
    expect(Buffer.from(result.outputs).equals(expectedOutputs(model, data.x, 12))).toBe(true);
    expect(result.deployment.outputsMatchingHost).toBe(12);
    expect(result.record.instructions.perInference).toHaveLength(12);
    for (const n of result.record.instructions.perInference) expect(n).toBeGreaterThan(1000);
    // the stack really was used, and by less than the space it had
    expect(result.record.memory.peakStackBytes).toBeGreaterThan(64);
    expect(result.record.memory.peakStackBytes).toBeLessThan(16 * 1024);
    expect(result.deployment.arenaBytes.value).toBe(32);
    expect(result.deployment.fits).toBe(true);
  });

  it("counts the same instructions on two runs, and more for a larger model", async () => {
    const small = await modelDir("stable", { inputs: 64, hidden: 32, outputs: 10, seed: 5 });
    const data = dataset(small.model, 6);
    const first = await benchmark({ firmwareDir: FIRMWARE_DIR, dir: small.dir, target: "riscv", dataset: data.bytes });
    const second = await benchmark({ firmwareDir: FIRMWARE_DIR, dir: small.dir, target: "riscv", dataset: data.bytes });
    expect(second.record.instructions.perInference).toEqual(first.record.instructions.perInference);

    const large = await modelDir("large", { inputs: 64, hidden: 128, outputs: 10, seed: 5 });
    const bigger = await benchmark({
      firmwareDir: FIRMWARE_DIR,
      dir: large.dir,
      target: "riscv",
      dataset: dataset(large.model, 6).bytes,
    });
    // 4× the MACs: more than three times the instructions
    expect(bigger.record.instructions.mean).toBeGreaterThan(3 * first.record.instructions.mean);

    const m4a = await benchmark({
      firmwareDir: FIRMWARE_DIR,
      dir: small.dir,
      target: "cortex-m4",
      dataset: data.bytes,
    });
    const m4b = await benchmark({
      firmwareDir: FIRMWARE_DIR,
      dir: small.dir,
      target: "cortex-m4",
      dataset: data.bytes,
    });
    expect(m4b.record.instructions.perInference).toEqual(m4a.record.instructions.perInference);
  });

  it("labels every deployment figure with its source and fills report.json", async () => {
    const { dir, model } = await modelDir("report", { inputs: 32, hidden: 16, outputs: 4, seed: 7 });
    const report = OptimizationReportSchema.parse({
      engineVersion: "test",
      createdAt: new Date(0).toISOString(),
      model: { name: "fc", format: "c", params: 0, macs: 0, ops: {}, peakActivationBytes: 0 },
      target: { id: "cortex-m4", name: "ARM Cortex-M4", ramBytes: 262144, flashBytes: 1048576 },
      dataset: { samples: 4, labels: true, calibrationSamples: 0 },
      baseline: { sizeBytes: 0, quality: null },
      optimized: {
        precision: "int8",
        sizeBytes: 0,
        quality: null,
        fidelity: { top1Agreement: 1, sqnrDb: 0 },
        peakActivationBytes: 0,
        layers: [],
        sizeBudgetBytes: null,
      },
      calibration: null,
      mixed: null,
      evaluation: { executor: "test", samples: 4 },
      timings: {},
    });
    await writeFile(join(dir, "report.json"), JSON.stringify(report));
    const result = await benchmark({
      firmwareDir: FIRMWARE_DIR,
      dir,
      target: "cortex-m4",
      dataset: dataset(model, 4).bytes,
    });
    await writeBenchResult(dir, result);
    const written = OptimizationReportSchema.parse(JSON.parse(await readFile(join(dir, "report.json"), "utf8")));
    const d = written.deployment;
    expect(d).toBeDefined();
    for (const key of ["flashBytes", "ramBytes", "arenaBytes", "peakStackBytes", "instructionsPerInference"] as const) {
      expect(d?.[key].source).toBe("emulated");
      expect(d?.[key].value).toBeGreaterThan(0);
    }
    expect(d?.latencyMs?.source).toBe("estimated");
    expect(d?.energyUj?.source).toBe("estimated");
    expect(d?.ramBytes.value).toBe(result.record.memory.staticRamBytes + result.record.memory.peakStackBytes);
    expect(d?.quality?.metric).toBe("top1");
    const bench = JSON.parse(await readFile(join(dir, "benchmark.json"), "utf8"));
    expect(bench.instructions.source).toBe("emulated");
    expect(bench.estimate.source).toBe("estimated");
  });

  it("fails a model whose weights overflow the flash, naming the region and the bytes", async () => {
    // 1024 × 2048 int8 weights: 2 MiB of const data against the Cortex-M4 target's 1 MiB of flash
    const { dir, model } = await modelDir("too-big", { inputs: 1024, hidden: 2048, outputs: 10, seed: 1 });
    const failure = await benchmark({
      firmwareDir: FIRMWARE_DIR,
      dir,
      target: "cortex-m4",
      dataset: dataset(model, 1).bytes,
    }).catch((e) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure.code).toBe("UNSATISFIABLE");
    expect(failure.message).toMatch(/FLASH overflowed by \d+ bytes/);
    const [overflow] = failure.details.overflows;
    expect(overflow.region).toBe("FLASH");
    expect(overflow.bytes).toBeGreaterThan(1024 * 1024 - 64 * 1024);
    expect(existsSync(join(dir, "benchmark.json"))).toBe(false);
  }, 60_000);

  it("fails a model whose arena overflows the RAM", async () => {
    // a 300 KB arena against the Cortex-M4 target's 256 KB of RAM
    const { dir, model } = await modelDir("arena-too-big", {
      inputs: 8,
      hidden: 4,
      outputs: 2,
      arenaBytes: 300 * 1024,
    });
    const failure = await benchmark({
      firmwareDir: FIRMWARE_DIR,
      dir,
      target: "cortex-m4",
      dataset: dataset(model, 1).bytes,
    }).catch((e) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure.message).toMatch(/RAM overflowed by \d+ bytes/);
    // 300 KB arena + the harness's buffers and 4 KB stack reserve, less 256 KB
    expect(failure.details.overflows[0].bytes).toBeGreaterThan(300 * 1024 - 256 * 1024);
  });

  it("reports a model whose run fails, with the harness's exit status", async () => {
    // a model that refuses its third input on the board: the harness stops with status 5, naming tml_model_run
    const dir = join(work, "failing");
    await writeTestModel(
      dir,
      `static int calls;
int tml_model_init(uint8_t *arena, size_t arena_size) { return arena && arena_size >= 16 ? 0 : -1; }
int tml_model_run(const void *input, void *output) {
#if defined(__riscv)
  if (++calls == 3) return -7; /* on the board only: the host build runs it all */
#endif
  memcpy(output, input, 4);
  return 0;
}`,
    );
    const x = Int8Array.from({ length: 16 }, (_, i) => i);
    const data = npzOf({ x_int8: { descr: "|i1", shape: [4, 4], data: x } });
    const failure = await benchmark({ firmwareDir: FIRMWARE_DIR, dir, target: "riscv", dataset: data }).catch((e) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure.message).toMatch(/tml_model_run failed \(exit status 5\) \(\{"error":"tml_model_run","code":-7\}\)/);
  });

  it("fails a model that writes past its arena: the host runner checks the guard bytes", async () => {
    // the host build is the reference every board's outputs are compared with: a model that overwrites what lies
    // after its arena must not become that reference
    const dir = join(work, "arena-overrun");
    await writeTestModel(
      dir,
      `static uint8_t *arena_of_model;
int tml_model_init(uint8_t *arena, size_t arena_size) {
  arena_of_model = arena;
  return arena && arena_size >= TML_MODEL_ARENA_SIZE ? 0 : -1;
}
int tml_model_run(const void *input, void *output) {
  memcpy(output, input, 4);
  arena_of_model[TML_MODEL_ARENA_SIZE + 40] = 1; /* 40 bytes past the end of the arena */
  return 0;
}`,
    );
    const data = npzOf({ x_int8: { descr: "|i1", shape: [2, 4], data: Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) } });
    const failure = await benchmark({ firmwareDir: FIRMWARE_DIR, dir, target: "riscv", dataset: data }).catch((e) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure.message).toMatch(/the model wrote past its arena \(guard byte 40\)/);
  });

  it("a model folder whose code does not link is an internal error, not the user's unsupported model", async () => {
    // Generated code that fails to build is the engine's fault (as a firmware not linked with the math library
    // was): INTERNAL, with the linker's words, never UNSUPPORTED_MODEL or a bad-input code.
    const dir = join(work, "unlinkable");
    await writeTestModel(
      dir,
      `extern int tml_kernel_nobody_wrote(const void *input, void *output);
int tml_model_init(uint8_t *arena, size_t arena_size) { return arena && arena_size >= 16 ? 0 : -1; }
int tml_model_run(const void *input, void *output) { return tml_kernel_nobody_wrote(input, output); }`,
    );
    const data = npzOf({ x_int8: { descr: "|i1", shape: [1, 4], data: Int8Array.from([1, 2, 3, 4]) } });
    const failure = await benchmark({ firmwareDir: FIRMWARE_DIR, dir, target: "cortex-m4", dataset: data }).catch(
      (e) => e,
    );
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure.code).toBe("INTERNAL");
    expect(failure.message).toMatch(/building the firmware failed for mps2-an386/);
    expect(failure.message).toMatch(/undefined reference to `tml_kernel_nobody_wrote'/);
    // The host build of the same folder (the bench's reference, the evaluator of --emit c) says the same.
    const host = await buildHostRunner(join(dir, "c"), { inputBytes: 4, outputBytes: 4 }, { workDir: work }).catch(
      (e) => e,
    );
    expect(host).toBeInstanceOf(EngineError);
    expect(host.code).toBe("INTERNAL");
    expect(host.message).toMatch(/the generated C did not compile with the host compiler: .*tml_kernel_nobody_wrote/s);
  });

  it("builds with the firmware folder it is given, and names a wrong one", async () => {
    const { dir, model } = await modelDir("wrong-firmware", { inputs: 8, hidden: 4, outputs: 2, seed: 1 });
    const firmwareDir = join(work, "no-firmware-here");
    const failure = await benchmark({ firmwareDir, dir, target: "riscv", dataset: dataset(model, 1).bytes }).catch(
      (e) => e,
    );
    expect(failure).toBeInstanceOf(EngineError);
    expect(failure.code).toBe("FILE_NOT_FOUND");
    expect(failure.message).toContain(`the benchmark firmware is not at ${firmwareDir}`);
  });

  it("refuses ESP32, which has no emulator", async () => {
    const { dir, model } = await modelDir("esp32", { inputs: 8, hidden: 4, outputs: 2, seed: 1 });
    await expect(
      benchmark({ firmwareDir: FIRMWARE_DIR, dir, target: "esp32", dataset: dataset(model, 1).bytes }),
    ).rejects.toThrow(/no emulator for Xtensa LX6; estimates only/);
  });
});
