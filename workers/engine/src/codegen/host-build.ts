import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { promisify } from "node:util";
import type { Dataset } from "../dataset/dataset.js";
import { EngineError } from "../errors.js";
import type { Executor } from "../evaluation/executors.js";
import type { GeneratedC, ModelIo } from "./generate.js";

/**
 * The one host runner: a generated model's C compiled for this machine with the host C compiler (`cc -O2`) and the
 * small harness below. It serves as an evaluator (the accuracy it measures is the accuracy of the code that ships,
 * byte for byte the same kernels and parameters a board runs; only the compiler and the architecture twin differ)
 * and as the bench's reference (the output bytes every board must reproduce, `prepareBenchmark`).
 *
 * The harness reads raw input samples (TML_MODEL_INPUT_BYTES each) from a file, runs tml_model_run on each and
 * writes the raw outputs. The arena is exactly TML_MODEL_ARENA_SIZE bytes with guard bytes after it, checked
 * after the last sample: a plan too small for what the kernels write fails the run. Exit status as the board
 * harness's (hardware-farm/firmware/common/harness.c): 2 file I/O, 4 tml_model_init failed, 5 tml_model_run
 * failed; and 6 when the model wrote past its arena, 7 when the arena is not aligned as the model asks.
 */

const run = promisify(execFile);

const HOST_HARNESS_C = `/* Host harness: harness INPUTS.bin OUTPUTS.bin — runs every sample through tml_model_run. */
#include <stdio.h>
#include <string.h>

#include "model.h"

#ifndef TML_MODEL_ARENA_ALIGNMENT
#define TML_MODEL_ARENA_ALIGNMENT 16
#endif

#define GUARD_BYTES 64
static union {
  unsigned char bytes[TML_MODEL_ARENA_SIZE + GUARD_BYTES];
  long double align_long_double;
  void *align_pointer;
  unsigned long long align_long_long;
} arena;
/* Sample buffers aligned for any element type (int16 models read and write them as int16_t). */
static union { unsigned char bytes[TML_MODEL_INPUT_BYTES]; long long align; } input;
static union { unsigned char bytes[TML_MODEL_OUTPUT_BYTES]; long long align; } output;

int main(int argc, char **argv) {
  FILE *in, *out;
  unsigned long samples = 0;
  int status, i;
  if (argc != 3) {
    fprintf(stderr, "usage: %s INPUTS.bin OUTPUTS.bin\\n", argv[0]);
    return 2;
  }
  memset(arena.bytes, 0xA5, sizeof arena.bytes);
  if (((unsigned long)(size_t)arena.bytes) % TML_MODEL_ARENA_ALIGNMENT != 0) {
    fprintf(stderr, "harness: arena not aligned\\n");
    return 7;
  }
  status = tml_model_init(arena.bytes, TML_MODEL_ARENA_SIZE);
  if (status != 0) {
    fprintf(stderr, "tml_model_init: %d\\n", status);
    return 4;
  }
  in = fopen(argv[1], "rb");
  out = fopen(argv[2], "wb");
  if (in == NULL || out == NULL) {
    perror("harness");
    return 2;
  }
  while (fread(input.bytes, 1, TML_MODEL_INPUT_BYTES, in) == TML_MODEL_INPUT_BYTES) {
    status = tml_model_run(input.bytes, output.bytes);
    if (status != 0) {
      fprintf(stderr, "tml_model_run: %d on sample %lu\\n", status, samples);
      return 5;
    }
    if (fwrite(output.bytes, 1, TML_MODEL_OUTPUT_BYTES, out) != TML_MODEL_OUTPUT_BYTES) {
      perror("harness");
      return 2;
    }
    ++samples;
  }
  for (i = 0; i < GUARD_BYTES; ++i) {
    if (arena.bytes[TML_MODEL_ARENA_SIZE + i] != 0xA5) {
      fprintf(stderr, "harness: the model wrote past its arena (guard byte %d)\\n", i);
      return 6;
    }
  }
  fclose(in);
  if (fclose(out) != 0) {
    perror("harness");
    return 2;
  }
  printf("%lu\\n", samples);
  return 0;
}
`;

export interface HostBuildOptions {
  /**
   * The caller's work folder: the build is made in a fresh folder inside it, and the compiler's own temporary
   * files go there too (TMPDIR), so nothing is written elsewhere (a worker cleans its work folder after a crash).
   */
  workDir: string;
  /** The C compiler (default `cc`). */
  compiler?: string;
  /**
   * Kernel twins to link (default `ref`). The optimized twins build on the host with portable C stand-ins for
   * their DSP instructions, so their results and scratch plan are checked here too.
   */
  arch?: "ref" | "armv7em" | "rv32im";
  /** Extra flags (default `-O2`). */
  flags?: string[];
  /** Aborting it stops the compiler. */
  signal?: AbortSignal;
}

export interface HostBuild {
  dir: string;
  executable: string;
  /**
   * Runs raw input bytes (a whole number of samples) and returns the raw output bytes. Aborting `signal` kills
   * the run.
   */
  runRaw(inputs: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  dispose(): Promise<void>;
}

/** Writes the generated files under `dir` (creating folders). */
export async function writeGeneratedFiles(c: GeneratedC, dir: string): Promise<void> {
  for (const [path, text] of c.files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** Compiles the generated C and the harness into an executable in a fresh folder of `options.workDir`. */
export async function buildHost(c: GeneratedC, options: HostBuildOptions): Promise<HostBuild> {
  const dir = await mkdtemp(join(options.workDir, "c-host-"));
  try {
    await writeGeneratedFiles(c, join(dir, "c"));
    return await compileHostRunner(
      dir,
      join(dir, "c"),
      { inputBytes: c.input.bytes, outputBytes: c.output.bytes },
      options,
    );
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The same runner over a model folder on disk (an `optimize --emit c` output's `c/`, or any folder with model.c
 * and model.h implementing the generated model API), built in a fresh folder of `options.workDir`.
 */
export async function buildHostRunner(
  modelDir: string,
  io: { inputBytes: number; outputBytes: number },
  options: HostBuildOptions,
): Promise<HostBuild> {
  const dir = await mkdtemp(join(options.workDir, "c-host-"));
  try {
    return await compileHostRunner(dir, modelDir, io, options);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The sources a model folder links on the host: model.c and the runtime's reference kernels (and the twin's). */
async function hostSources(modelDir: string, arch: NonNullable<HostBuildOptions["arch"]>): Promise<string[]> {
  const twins = ["ref", ...(arch === "ref" ? [] : [arch])].map((t) => join("tinyml", "src", t));
  const found = (await readdir(modelDir, { recursive: true }))
    .filter((p) => p.endsWith(".c") && twins.some((t) => p.startsWith(t + sep)))
    .sort();
  return [join(modelDir, "model.c"), ...found.map((p) => join(modelDir, p))];
}

async function compileHostRunner(
  dir: string,
  modelDir: string,
  io: { inputBytes: number; outputBytes: number },
  options: HostBuildOptions,
): Promise<HostBuild> {
  await writeFile(join(dir, "harness.c"), HOST_HARNESS_C);
  const arch = options.arch ?? "ref";
  const executable = join(dir, "harness");
  const args = [
    ...(options.flags ?? ["-O2"]),
    "-std=c99",
    ...(arch === "ref" ? [] : [`-DTML_ARCH_${arch.toUpperCase()}`]),
    "-I",
    modelDir,
    "-I",
    join(modelDir, "tinyml", "include"),
    ...(await hostSources(modelDir, arch)),
    join(dir, "harness.c"),
    "-o",
    executable,
    "-lm",
  ];
  const { signal } = options;
  const env = { ...process.env, TMPDIR: dir };
  await run(options.compiler ?? "cc", args, { env, maxBuffer: 16 * 1024 * 1024, ...(signal ? { signal } : {}) }).catch(
    (e: Error & { stderr?: string }) => {
      if (signal?.aborted) throw signal.reason ?? e;
      // The engine's own generated code: a failure to build it is the engine's bug, not the user's model.
      throw new EngineError(
        "INTERNAL",
        `the generated C did not compile with the host compiler: ${e.stderr ?? e.message}`,
      );
    },
  );
  return {
    dir,
    executable,
    async runRaw(inputs, signal) {
      if (inputs.length % io.inputBytes !== 0) {
        throw new RangeError(`${inputs.length} input bytes is not a whole number of ${io.inputBytes}-byte samples`);
      }
      const inPath = join(dir, "inputs.bin");
      const outPath = join(dir, "outputs.bin");
      await writeFile(inPath, inputs);
      await run(executable, [inPath, outPath], { maxBuffer: 16 * 1024 * 1024, ...(signal ? { signal } : {}) }).catch(
        (e: Error & { stderr?: string }) => {
          if (signal?.aborted) throw signal.reason ?? e;
          throw new EngineError("INVALID_GRAPH", `the generated C failed on the host: ${e.stderr || e.message}`);
        },
      );
      const bytes = new Uint8Array(await readFile(outPath));
      if (bytes.length !== (inputs.length / io.inputBytes) * io.outputBytes) {
        throw new EngineError("INVALID_GRAPH", "the generated C wrote fewer outputs than it was given inputs");
      }
      return bytes;
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Float samples → the model's integer input bytes: q = clamp(round_half_away(x / scale) + zero_point), x / scale
 * in float32 as TFLite's QUANTIZE kernel and the oracles do it, or in double as TFLite Micro's reference
 * AffineQuantize does (`division: "double"`; the two differ only on the rare ties).
 */
export function quantizeSamples(data: Dataset, io: ModelIo, division: "float32" | "double" = "float32"): Uint8Array {
  const per = data.x.length / data.count;
  const n = data.count * per;
  const [qmin, qmax] = io.dtype === "int8" ? [-128, 127] : [-32768, 32767];
  const out = io.dtype === "int8" ? new Int8Array(n) : new Int16Array(n);
  const scale = Math.fround(io.scale);
  for (let i = 0; i < n; i++) {
    const x = Math.fround(data.x[i] as number);
    const v = division === "float32" ? Math.fround(x / scale) : x / scale;
    const r = v < 0 ? -Math.round(-v) : Math.round(v);
    out[i] = Math.min(qmax, Math.max(qmin, r + io.zeroPoint));
  }
  return new Uint8Array(out.buffer);
}

/** Raw output bytes → real values per sample, (q − zero_point) · scale in float32. */
export function dequantizeOutputs(bytes: Uint8Array, io: ModelIo): Float32Array[] {
  const values =
    io.dtype === "int8"
      ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length)
      : new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const per = io.bytes / (io.dtype === "int8" ? 1 : 2);
  const scale = Math.fround(io.scale);
  const samples: Float32Array[] = [];
  for (let s = 0; s < values.length / per; s++) {
    samples.push(
      Float32Array.from(values.subarray(s * per, (s + 1) * per), (q) => Math.fround((q - io.zeroPoint) * scale)),
    );
  }
  return samples;
}

/** The "c-host" Executor: the generated C compiled for this machine, run over a dataset. */
export async function cHostExecutor(c: GeneratedC, options: HostBuildOptions): Promise<Executor & HostBuild> {
  const build = await buildHost(c, options);
  return {
    ...build,
    name: "c-host",
    async runAll(data) {
      if (data.x.length / data.count !== c.input.bytes / (c.input.dtype === "int8" ? 1 : 2)) {
        throw new EngineError(
          "INVALID_DATASET",
          `a sample has ${data.x.length / data.count} values; the model takes ${c.input.shape.join("x")}`,
        );
      }
      return dequantizeOutputs(await build.runRaw(quantizeSamples(data, c.input)), c.output);
    },
  };
}
