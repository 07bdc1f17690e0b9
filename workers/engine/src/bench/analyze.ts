import { createHash } from "node:crypto";
import type { FirmwareRun } from "@tinyml/emulator";
import { HARDWARE_TARGETS, type TargetId } from "@tinyml/workflows/contracts";
import { EngineError } from "../errors.js";
import type { Deployment } from "../report.js";
import type { KernelArch } from "./boards.js";
import { estimateCost } from "./cost-model.js";
import { imageMemory } from "./elf.js";
import { argmaxes } from "./inputs.js";
import { codeSizeFromMap } from "./linker-map.js";
import type { PreparedBenchmark } from "./prepare.js";

/** `DIR/benchmark.json`. */
interface BenchmarkRecord {
  target: TargetId;
  board: string;
  /** The command or tool line that ran the firmware. */
  emulator: string[];
  kernels: KernelArch;
  samples: number;
  /** The counter's reading per inference: instructions under QEMU (emulated), cycles on a physical board (measured). */
  instructions: {
    perInference: number[];
    mean: number;
    min: number;
    max: number;
    init: number;
    source: "emulated" | "measured";
  };
  counter: { name: string; step: number };
  memory: {
    flashBytes: number;
    staticRamBytes: number;
    peakStackBytes: number;
    ramBytes: number;
    arenaBytes: number;
    sections: Record<string, number>;
    /** `.text` of the generated model code and of the runtime kernels it links (weights and harness excluded). */
    code: { modelBytes: number; kernelBytes: number; totalBytes: number; objects: Record<string, number> } | null;
    source: "emulated" | "measured";
  };
  catalog: { flashBytes: number; ramBytes: number; fits: boolean };
  outputs: { matchingHost: number; samples: number; sha256: string };
  quality: { metric: "top1"; value: number; samples: number } | null;
  estimate: {
    latencyMs: number;
    energyUj: number | null;
    cpi: number;
    clockMhz: number;
    part: string;
    cpiBasis: string;
    powerBasis: string;
    source: "estimated";
  } | null;
  /** Figures read on a physical board: latency from its cycle counter at the catalog clock, energy from its power monitor. */
  measured?: { latencyMs: number | null; energyUj: number | null; source: "measured" };
  macs: number | null;
  macsPerInstruction: number | null;
}

export interface BenchResult {
  record: BenchmarkRecord;
  deployment: Deployment;
  /** The firmware's raw output bytes (all inferences). */
  outputs: Uint8Array;
}

/**
 * What the analysis reads of a prepared benchmark: all of it bytes or text that can be stored and fetched back
 * (the ELF, its linker map, model.h's parameters, the host build's expected outputs, the dataset's labels).
 */
export type BenchmarkBuild = Pick<
  PreparedBenchmark,
  "target" | "board" | "arch" | "header" | "labels" | "expected" | "elf" | "map"
>;

/** One run of the firmware, as QEMU or a farm agent reports it, with the board's output bytes. */
export type BenchmarkRun = FirmwareRun;

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** Counters that count clock cycles (a physical board's) rather than instructions. */
const countsCycles = (counter: string) => /cyc/i.test(counter);

/**
 * Turns a run of the benchmark firmware into its figures: instructions (emulated) or cycles (measured), flash and
 * static RAM from the linked image, peak stack from stack painting, latency and energy from the cost model
 * (estimated) unless a physical board measured them, the deployed code's top-1, whether the outputs equal the host
 * build's byte for byte, and whether the image fits the catalog target.
 */
export function analyzeBenchmark(build: BenchmarkBuild, run: BenchmarkRun): BenchResult {
  const { header } = build;
  const count = build.expected.length / header.outputBytes;
  if (!Number.isInteger(count) || count === 0) {
    throw new EngineError(
      "INVALID_DATASET",
      `the expected outputs hold ${build.expected.length} bytes, not a whole number of ${header.outputBytes}-byte outputs`,
    );
  }
  if (run.perInference.length !== count || run.outputs.length !== count * header.outputBytes) {
    throw new EngineError(
      "UNSUPPORTED_MODEL",
      `the firmware ran ${run.perInference.length} of ${count} inferences (${run.outputs.length} output bytes)`,
    );
  }
  let matchingHost = 0;
  for (let i = 0; i < count; i++) {
    const a = run.outputs.subarray(i * header.outputBytes, (i + 1) * header.outputBytes);
    const b = build.expected.subarray(i * header.outputBytes, (i + 1) * header.outputBytes);
    if (a.every((v, k) => v === b[k])) matchingHost++;
  }
  const record = makeRecord(build, run);
  if (build.map) {
    const code = codeSizeFromMap(build.map);
    record.memory.code = { ...code, totalBytes: code.modelBytes + code.kernelBytes };
  }
  record.outputs = { matchingHost, samples: count, sha256: sha256(run.outputs) };
  if (build.labels) {
    const predicted = argmaxes(run.outputs, header, count);
    const correct = predicted.filter((p, i) => p === build.labels?.[i]).length;
    record.quality = { metric: "top1", value: correct / count, samples: count };
  }
  return { record, deployment: deploymentOf(record), outputs: run.outputs };
}

function makeRecord(build: BenchmarkBuild, run: BenchmarkRun): BenchmarkRecord {
  const { target, header } = build;
  const { perInference, summary } = run;
  const memory = imageMemory(build.elf);
  const mean = Math.round(perInference.reduce((a, b) => a + b, 0) / perInference.length);
  const catalog = HARDWARE_TARGETS[target];
  const ramBytes = memory.staticRamBytes + summary.peak_stack_bytes;
  const cycles = run.source === "measured" && countsCycles(summary.counter);
  // The cost model turns instructions into cycles; a cycle counter's reading needs no model.
  const estimate = cycles ? null : estimateCost(target, mean);
  const measured =
    run.source === "measured"
      ? {
          latencyMs: cycles ? mean / (catalog.clockMhz * 1e3) : null,
          energyUj: run.energyUjPerInference ?? null,
          source: "measured" as const,
        }
      : undefined;
  return {
    target,
    board: build.board,
    emulator: run.command,
    kernels: build.arch,
    samples: perInference.length,
    instructions: {
      perInference,
      mean,
      min: Math.min(...perInference),
      max: Math.max(...perInference),
      init: summary.init_instructions,
      source: run.source,
    },
    counter: { name: summary.counter, step: summary.counter_step },
    memory: {
      flashBytes: memory.flashBytes,
      staticRamBytes: memory.staticRamBytes,
      peakStackBytes: summary.peak_stack_bytes,
      ramBytes,
      arenaBytes: summary.arena_bytes,
      sections: memory.sections,
      code: null,
      source: run.source,
    },
    catalog: {
      flashBytes: catalog.flashBytes,
      ramBytes: catalog.ramBytes,
      fits: memory.flashBytes <= catalog.flashBytes && ramBytes <= catalog.ramBytes,
    },
    outputs: { matchingHost: 0, samples: perInference.length, sha256: "" },
    quality: null,
    estimate: estimate && {
      latencyMs: estimate.latencyMs,
      energyUj: estimate.energyUj,
      cpi: estimate.cost.cpi,
      clockMhz: estimate.clockMhz,
      part: estimate.cost.part,
      cpiBasis: estimate.cost.cpiBasis,
      powerBasis: estimate.cost.powerBasis,
      source: "estimated",
    },
    ...(measured ? { measured } : {}),
    macs: header.macs,
    macsPerInstruction: header.macs === null ? null : header.macs / mean,
  };
}

function deploymentOf(r: BenchmarkRecord): Deployment {
  // Flash comes from the linked image (exact, "emulated" in ARCHITECTURE.md's terms); what the run reported
  // (instructions or cycles, stack, arena) carries the run's source.
  const emulated = (value: number) => ({ value, source: "emulated" as const });
  const ran = (value: number) => ({ value, source: r.instructions.source });
  const estimated = (value: number) => ({ value, source: "estimated" as const });
  const measured = (value: number) => ({ value, source: "measured" as const });
  const kernelAt = r.emulator.indexOf("-kernel");
  const latency =
    r.measured?.latencyMs != null
      ? measured(r.measured.latencyMs)
      : r.estimate
        ? estimated(r.estimate.latencyMs)
        : undefined;
  const energy =
    r.measured?.energyUj != null
      ? measured(r.measured.energyUj)
      : r.estimate?.energyUj != null
        ? estimated(r.estimate.energyUj)
        : undefined;
  return {
    target: r.target,
    board: r.board,
    emulator: (kernelAt >= 0 ? r.emulator.slice(0, kernelAt) : r.emulator).join(" "),
    kernels: r.kernels,
    samples: r.samples,
    flashBytes: emulated(r.memory.flashBytes),
    ramBytes: ran(r.memory.ramBytes),
    arenaBytes: ran(r.memory.arenaBytes),
    peakStackBytes: ran(r.memory.peakStackBytes),
    instructionsPerInference: ran(r.instructions.mean),
    ...(latency ? { latencyMs: latency } : {}),
    ...(energy ? { energyUj: energy } : {}),
    quality: r.quality,
    outputsMatchingHost: r.outputs.matchingHost,
    fits: r.catalog.fits,
  };
}
