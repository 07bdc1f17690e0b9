import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { threadId } from "node:worker_threads";

/**
 * Test support (not part of the package build): real benchmark firmware for the farm's tests. The agent may not
 * import the engine, so the KWS model's C comes from the engine's CLI run as a program, and the firmware from
 * hardware-farm/firmware/build.sh, exactly as a job's compile step makes them.
 */
const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const FIXTURES = process.env.TINYML_FIXTURES ?? join(REPO_ROOT, "..", "shared", "fixtures");
/** A folder per test process: test files run in parallel and must not build into one CMake tree at once. */
export const WORK = join(REPO_ROOT, ".tmp", "farm-agent", `${process.pid}-${threadId}`);
const KWS_MODEL = join(FIXTURES, "mlperf-tiny", "kws", "kws_ref_model.tflite");
const KWS_INPUTS = join(FIXTURES, "mlperf-tiny", "kws", "eembc-inputs");

const exec = promisify(execFile);

export interface TestFirmware {
  elf: string;
  inputBytes: number;
  outputBytes: number;
}

/** Builds hardware-farm/firmware for `board` around the model C in `modelDir` (cmake reuses `buildDir`). */
async function buildFirmware(board: string, modelDir: string, buildDir: string): Promise<string> {
  await exec(join(REPO_ROOT, "hardware-farm", "firmware", "build.sh"), [board, modelDir, buildDir], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return join(buildDir, "fw.elf");
}

/** The MLPerf Tiny KWS int8 model compiled by `tinyml-engine codegen` into the board's benchmark firmware. */
export async function kwsFirmware(board = "mps2-an386"): Promise<TestFirmware> {
  const out = join(WORK, "kws");
  await mkdir(out, { recursive: true });
  await exec("pnpm", ["--filter", "@tinyml/engine", "exec", "tinyml-engine", "codegen", KWS_MODEL, "--out", out], {
    cwd: REPO_ROOT,
  });
  const elf = await buildFirmware(board, join(out, "c"), join(WORK, `kws-${board}`));
  return { elf, inputBytes: 490, outputBytes: 12 };
}

/** The first `count` EEMBC KWS test inputs (int8 [49][10] each), back to back. */
export async function kwsInputs(count: number): Promise<Uint8Array> {
  const names = (await readdir(KWS_INPUTS)).filter((n) => n.endsWith(".bin")).sort();
  if (names.length < count) throw new Error(`only ${names.length} KWS inputs in ${KWS_INPUTS}`);
  const parts = await Promise.all(names.slice(0, count).map((n) => readFile(join(KWS_INPUTS, n))));
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * TensorFlow Lite Micro's output bytes for the same inputs (the project's independent oracle,
 * workers/engine/oracle/run_tflite.py): the sha256 of all outputs, in order.
 */
export async function kwsTflmOutputsSha256(inputs: Uint8Array): Promise<string> {
  const dir = join(WORK, "oracle");
  await mkdir(dir, { recursive: true });
  const raw = join(dir, `inputs-${inputs.length}.bin`);
  const npz = join(dir, `inputs-${inputs.length}.npz`);
  await writeFile(raw, inputs);
  const python = join(REPO_ROOT, ".venv", "bin", "python");
  await exec(python, [
    "-c",
    "import sys, numpy as np; np.savez(sys.argv[2], x=np.fromfile(sys.argv[1], dtype=np.int8).reshape(-1, 49, 10, 1))",
    raw,
    npz,
  ]);
  const { stdout } = await exec(
    python,
    [join(REPO_ROOT, "workers", "engine", "oracle", "run_tflite.py"), KWS_MODEL, npz, "--interpreter", "tflm"],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return (JSON.parse(stdout) as { outputs_sha256: string }).outputs_sha256;
}

/**
 * A firmware whose model misbehaves, built with the real harness and board start-up: `fault` executes an
 * undefined instruction in tml_model_run (the board's fault handler reports "cpu fault", exit status 3);
 * `hang` spins forever in tml_model_run (the harness never finishes).
 */
export async function misbehavingFirmware(kind: "fault" | "hang", board = "mps2-an386"): Promise<TestFirmware> {
  const modelDir = join(WORK, `model-${kind}`);
  await mkdir(modelDir, { recursive: true });
  await writeFile(
    join(modelDir, "model.h"),
    `#ifndef TEST_MODEL_H
#define TEST_MODEL_H
#include <stddef.h>
#include <stdint.h>
#define TML_MODEL_ARENA_SIZE 64
#define TML_MODEL_INPUT_BYTES 4
#define TML_MODEL_OUTPUT_BYTES 4
int tml_model_init(uint8_t *arena, size_t arena_size);
int tml_model_run(const void *input, void *output);
#endif
`,
  );
  const body = kind === "fault" ? "__builtin_trap();" : 'for (;;) __asm__ volatile("");';
  await writeFile(
    join(modelDir, "model.c"),
    `/* A test model that ${kind === "fault" ? "faults" : "never returns"} (hardware-farm/agent tests). */
#include "model.h"
int tml_model_init(uint8_t *arena, size_t arena_size) { return arena && arena_size >= TML_MODEL_ARENA_SIZE ? 0 : -1; }
int tml_model_run(const void *input, void *output) {
  (void)input;
  (void)output;
  ${body}
  return 0;
}
`,
  );
  await writeFile(
    join(modelDir, "CMakeLists.txt"),
    `cmake_minimum_required(VERSION 3.20)
add_library(tinyml_model STATIC \${CMAKE_CURRENT_LIST_DIR}/model.c)
target_include_directories(tinyml_model PUBLIC \${CMAKE_CURRENT_LIST_DIR})
`,
  );
  const elf = await buildFirmware(board, modelDir, join(WORK, `${kind}-${board}`));
  return { elf, inputBytes: 4, outputBytes: 4 };
}
