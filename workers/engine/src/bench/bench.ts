import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HARDWARE_TARGETS, type TargetId } from "@tinyml/workflows/contracts";
import { EngineError } from "../errors.js";
import { type Deployment, OptimizationReportSchema } from "../report.js";
import { type EmulatedBoard, emulatedBoard, type KernelArch } from "./boards.js";
import { estimateCost } from "./cost-model.js";
import { imageMemory } from "./elf.js";
import { buildFirmware } from "./firmware.js";
import { argmaxes, quantizedInputs } from "./inputs.js";
import { codeSizeFromMap } from "./linker-map.js";
import { type ModelHeader, parseModelHeader } from "./model-header.js";
import { type HarnessSummary, runFirmware } from "./qemu.js";

export interface BenchRequest {
  /** An `optimize --emit c` output folder: DIR/c/ (model.c, model.h, CMakeLists.txt), and report.json if any. */
  dir: string;
  target: TargetId;
  /** .npz bytes: `x` float (quantized with the model's input parameters) or `x_int8`, and optional labels `y`. */
  dataset: Uint8Array;
  /** Run the first `limit` samples only (the oracles' --limit takes the same ones). */
  limit?: number;
  /** Force the runtime's kernel family (default: the core's optimized kernels when the generated code has them). */
  arch?: KernelArch;
  onProgress?: (message: string) => void;
}

/** `DIR/benchmark.json`. */
export interface BenchmarkRecord {
  target: TargetId;
  board: string;
  emulator: string[];
  kernels: KernelArch;
  samples: number;
  instructions: { perInference: number[]; mean: number; min: number; max: number; init: number; source: "emulated" };
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
    source: "emulated";
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
  macs: number | null;
  macsPerInstruction: number | null;
}

export interface BenchResult {
  record: BenchmarkRecord;
  deployment: Deployment;
  /** The firmware's raw output bytes (all inferences). */
  outputs: Uint8Array;
}

/** Does the generated runtime under DIR/c ship kernels for `arch` (a folder of that name)? */
function hasKernels(modelDir: string, arch: KernelArch): boolean {
  const walk = (dir: string, depth: number): boolean =>
    depth < 6 &&
    readdirSync(dir).some((name) => {
      const path = join(dir, name);
      if (!statSync(path).isDirectory()) return false;
      return name === arch || walk(path, depth + 1);
    });
  return walk(modelDir, 0);
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/**
 * Builds the generated model into the target's benchmark firmware (cross compiler, -O2), runs it in QEMU over the
 * dataset, checks its output bytes against the same code built for the host, and returns the figures: instructions
 * (emulated), flash and RAM from the linked image, peak stack from stack painting (emulated), latency and energy
 * from the cost model (estimated), the deployed code's top-1, and whether it fits the catalog target.
 */
export async function benchmark(request: BenchRequest): Promise<BenchResult> {
  const { dir, target, onProgress } = request;
  const found = emulatedBoard(target);
  if ("unavailable" in found) {
    throw new EngineError(
      "UNSATISFIABLE",
      `cannot benchmark on ${target}: ${target === "esp32" ? "no emulator for Xtensa LX6; estimates only" : found.unavailable}`,
    );
  }
  const board: EmulatedBoard = found;
  const modelDir = join(dir, "c");
  if (!existsSync(join(modelDir, "model.h")) || !existsSync(join(modelDir, "CMakeLists.txt"))) {
    throw new EngineError(
      "FILE_NOT_FOUND",
      `${modelDir} has no model.h and CMakeLists.txt: run optimize with --emit c (or codegen) first`,
    );
  }
  const header = parseModelHeader(await readFile(join(modelDir, "model.h"), "utf8"));
  const { bytes: inputs, count, labels } = quantizedInputs(request.dataset, header, request.limit);
  const arch: KernelArch = request.arch ?? (hasKernels(modelDir, board.arch) ? board.arch : "ref");
  const work = await mkdtemp(join(tmpdir(), "tinyml-bench-"));
  try {
    onProgress?.(`building the firmware for ${board.board} (${arch} kernels)`);
    const fw = await buildFirmware({ board: board.board, modelDir, buildDir: join(work, board.board), arch });
    onProgress?.("building the model for the host");
    const host = await buildFirmware({ board: "host", modelDir, buildDir: join(work, "host"), arch: "ref" });
    await writeFile(join(work, "input.bin"), inputs);
    await new Promise<void>((resolve, reject) =>
      execFile(host.executable, [join(work, "input.bin"), join(work, "host-output.bin")], (e, _o, stderr) =>
        e
          ? reject(new EngineError("UNSUPPORTED_MODEL", `the host build failed to run: ${stderr || e.message}`))
          : resolve(),
      ),
    );
    const expected = new Uint8Array(await readFile(join(work, "host-output.bin")));

    onProgress?.(`running ${count} inferences in ${board.qemuBinary} ${board.qemuArgs.join(" ")}`);
    const ran = await runFirmware({ board, elf: fw.executable, inputs }).catch((e: unknown) => {
      if (arch !== "ref" && e instanceof EngineError) {
        e.message += `\n(the firmware used the ${arch} kernels; --arch ref runs the reference kernels)`;
      }
      throw e;
    });
    if (ran.instructions.length !== count || ran.outputs.length !== count * header.outputBytes) {
      throw new EngineError(
        "UNSUPPORTED_MODEL",
        `the firmware ran ${ran.instructions.length} of ${count} inferences (${ran.outputs.length} output bytes)`,
      );
    }
    const elf = new Uint8Array(await readFile(fw.executable));
    // The image is kept beside the report (the build folder is temporary), and the command names that copy.
    const kept = join(dir, `firmware-${target}.elf`);
    await copyFile(fw.executable, kept);
    const command = ran.command.map((arg) => (arg === fw.executable ? kept : arg));

    let matchingHost = 0;
    for (let i = 0; i < count; i++) {
      const a = ran.outputs.subarray(i * header.outputBytes, (i + 1) * header.outputBytes);
      const b = expected.subarray(i * header.outputBytes, (i + 1) * header.outputBytes);
      if (a.length === b.length && a.every((v, k) => v === b[k])) matchingHost++;
    }
    const record = makeRecord(target, board, arch, command, ran.instructions, ran.summary, elf, header);
    const map = join(dirname(fw.executable), "fw.map");
    if (existsSync(map)) {
      const code = codeSizeFromMap(await readFile(map, "utf8"));
      record.memory.code = { ...code, totalBytes: code.modelBytes + code.kernelBytes };
    }
    record.outputs = { matchingHost, samples: count, sha256: sha256(ran.outputs) };
    if (labels) {
      const predicted = argmaxes(ran.outputs, header, count);
      const correct = predicted.filter((p, i) => p === labels[i]).length;
      record.quality = { metric: "top1", value: correct / count, samples: count };
    }
    return { record, deployment: deploymentOf(record), outputs: ran.outputs };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function makeRecord(
  target: TargetId,
  board: EmulatedBoard,
  arch: KernelArch,
  command: string[],
  perInference: number[],
  summary: HarnessSummary,
  elf: Uint8Array,
  header: ModelHeader,
): BenchmarkRecord {
  const memory = imageMemory(elf);
  const mean = Math.round(perInference.reduce((a, b) => a + b, 0) / perInference.length);
  const catalog = HARDWARE_TARGETS[target];
  const ramBytes = memory.staticRamBytes + summary.peak_stack_bytes;
  const estimate = estimateCost(target, mean);
  return {
    target,
    board: board.board,
    emulator: command,
    kernels: arch,
    samples: perInference.length,
    instructions: {
      perInference,
      mean,
      min: Math.min(...perInference),
      max: Math.max(...perInference),
      init: summary.init_instructions,
      source: "emulated",
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
      source: "emulated",
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
    macs: header.macs,
    macsPerInstruction: header.macs === null ? null : header.macs / mean,
  };
}

function deploymentOf(r: BenchmarkRecord): Deployment {
  const emulated = (value: number) => ({ value, source: "emulated" as const });
  const estimated = (value: number) => ({ value, source: "estimated" as const });
  return {
    target: r.target,
    board: r.board,
    emulator: r.emulator.slice(0, r.emulator.indexOf("-kernel")).join(" "),
    kernels: r.kernels,
    samples: r.samples,
    flashBytes: emulated(r.memory.flashBytes),
    ramBytes: emulated(r.memory.ramBytes),
    arenaBytes: emulated(r.memory.arenaBytes),
    peakStackBytes: emulated(r.memory.peakStackBytes),
    instructionsPerInference: emulated(r.instructions.mean),
    ...(r.estimate ? { latencyMs: estimated(r.estimate.latencyMs) } : {}),
    ...(r.estimate?.energyUj != null ? { energyUj: estimated(r.estimate.energyUj) } : {}),
    quality: r.quality,
    outputsMatchingHost: r.outputs.matchingHost,
    fits: r.catalog.fits,
  };
}

/** Writes DIR/benchmark.json and, when DIR/report.json exists, its `deployment`. */
export async function writeBenchResult(dir: string, result: BenchResult): Promise<void> {
  await writeFile(join(dir, "benchmark.json"), `${JSON.stringify(result.record, null, 2)}\n`);
  const reportPath = join(dir, "report.json");
  if (!existsSync(reportPath)) return;
  const report = OptimizationReportSchema.parse(JSON.parse(await readFile(reportPath, "utf8")));
  report.deployment = result.deployment;
  await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
}
