import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { TargetId } from "@tinyml/workflows/contracts";
import { buildHostRunner } from "../codegen/host-build.js";
import { EngineError } from "../errors.js";
import { type EmulatedBoard, emulatedBoard, type KernelArch } from "./boards.js";
import { buildFirmware } from "./firmware.js";
import { quantizedInputs } from "./inputs.js";
import { type ModelHeader, parseModelHeader } from "./model-header.js";

export interface PrepareBenchmarkRequest {
  /**
   * hardware-farm/firmware (board support and harness). Always passed by the caller (the CLI resolves it from its
   * own place, the worker from its configuration): the engine looks for no folder by itself.
   */
  firmwareDir: string;
  /** An `optimize --emit c` output folder: DIR/c/ (model.c, model.h, CMakeLists.txt). */
  dir: string;
  target: TargetId;
  /** .npz bytes: `x` float (quantized with the model's input parameters) or `x_int8`, and optional labels `y`. */
  dataset: Uint8Array;
  /** Run the first `limit` samples only (the oracles' --limit takes the same ones). */
  limit?: number;
  /** Force the runtime's kernel family (default: the core's optimized kernels when the generated code has them). */
  arch?: KernelArch;
  onProgress?: (message: string) => void;
  /** Aborting it stops the builds and the host run. */
  signal?: AbortSignal;
}

/**
 * Everything a benchmark run needs and everything its analysis reads, as bytes (the build folder is gone when
 * `prepareBenchmark` returns): the firmware for the target's board, its linker map, the benchmark inputs and the
 * host build's outputs for them. A farm agent runs `elf` over `inputs`; `analyzeBenchmark` compares its outputs with
 * `expected`.
 */
export interface PreparedBenchmark {
  target: TargetId;
  /** The firmware's BOARD (a folder under hardware-farm/firmware/boards). */
  board: string;
  /** The runtime kernel family the firmware was built with. */
  arch: KernelArch;
  header: ModelHeader;
  /** Inferences: samples of the dataset that are benchmarked. */
  count: number;
  /** The dataset's labels of those samples, if it has any. */
  labels: Int32Array | null;
  /** The benchmark inputs (`count` × `header.inputBytes`), as the harness reads them. */
  inputs: Uint8Array;
  /** The same generated C built for the host, run over `inputs`: the bytes the board must reproduce. */
  expected: Uint8Array;
  /** The linked firmware image (ELF). */
  elf: Uint8Array;
  /** GNU ld's map of the image (`fw.map`), when the build wrote one. */
  map: string | null;
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

/** The emulated board of a target, or an UNSATISFIABLE error saying why there is none. */
export function benchmarkBoard(target: TargetId): EmulatedBoard {
  const found = emulatedBoard(target);
  if ("unavailable" in found) {
    throw new EngineError(
      "UNSATISFIABLE",
      `cannot benchmark on ${target}: ${target === "esp32" ? "no emulator for Xtensa LX6; estimates only" : found.unavailable}`,
    );
  }
  return found;
}

/**
 * Builds the generated model into the target's benchmark firmware (cross compiler, -O2) and into the host runner
 * (`buildHostRunner`, which also checks the arena's guard bytes), quantizes the dataset's inputs with the model's own input parameters and runs the host build over them for the
 * expected output bytes. A model too big for the target fails to link (UNSATISFIABLE, naming each overflowed region).
 */
export async function prepareBenchmark(request: PrepareBenchmarkRequest): Promise<PreparedBenchmark> {
  const { dir, target, onProgress, signal } = request;
  const board = benchmarkBoard(target);
  const modelDir = resolve(dir, "c"); // CMake takes it from its own build folder: relative paths would break
  if (!existsSync(join(modelDir, "model.h")) || !existsSync(join(modelDir, "CMakeLists.txt"))) {
    throw new EngineError(
      "FILE_NOT_FOUND",
      `${modelDir} has no model.h and CMakeLists.txt: run optimize with --emit c (or codegen) first`,
    );
  }
  const header = parseModelHeader(await readFile(join(modelDir, "model.h"), "utf8"));
  const { bytes: inputs, count, labels } = await quantizedInputs(request.dataset, header, request.limit);
  const arch: KernelArch = request.arch ?? (hasKernels(modelDir, board.arch) ? board.arch : "ref");
  const work = await mkdtemp(join(dir, "bench-build-")); // inside the caller's folder, removed when done
  try {
    onProgress?.(`building the firmware for ${board.board} (${arch} kernels)`);
    const fw = await buildFirmware({
      firmwareDir: request.firmwareDir,
      board: board.board,
      modelDir,
      buildDir: join(work, board.board),
      arch,
      ...(signal ? { signal } : {}),
    });
    onProgress?.("building the model for the host");
    const host = await buildHostRunner(modelDir, header, { workDir: work, ...(signal ? { signal } : {}) });
    const expected = await host.runRaw(inputs, signal).finally(() => host.dispose());
    const elf = new Uint8Array(await readFile(fw.executable));
    const mapPath = join(dirname(fw.executable), "fw.map");
    const map = existsSync(mapPath) ? await readFile(mapPath, "utf8") : null;
    return { target, board: board.board, arch, header, count, labels, inputs, expected, elf, map };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
