#!/usr/bin/env node
// Benchmark: the code generator's C for KWS, person_detection and AD, built into the benchmark firmware
// (hardware-farm/firmware, -O2, Debian cross compilers) and run in QEMU under -icount: instructions per inference
// and MACs per instruction (emulated), arena, flash, RAM and peak stack (emulated), output bytes against TensorFlow
// Lite Micro, beside the TFLM + CMSIS-NN anchors of issue 6 (instructions on Cortex-M4, arena bytes).
//   node workers/engine/bench/embedded.mjs [--kws-limit N]     (after ops/setup, pnpm build and ops/fixtures)
// Writes workers/engine/bench/embedded.json and prints a table.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchmark, generateC, importModel, runPasses, writeGeneratedFiles } from "../dist/index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const fixtures = process.env.TINYML_FIXTURES ?? join(root, "../shared/fixtures");
const generated = process.env.TINYML_FIXTURES_OUT ?? join(root, ".tmp/fixtures");
const flag = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const kwsLimit = flag("--kws-limit", 1000);
const work = mkdtempSync(join(tmpdir(), "bench-embedded-"));

/** TFLM + CMSIS-NN figures quoted by issue 6 (Cortex-M4): instructions per inference and tensor arena bytes. */
const ANCHORS = {
  // KWS also: model code + kernels (text, no weights, no harness) at most 16 KB.
  kws: { instructions: 7.7e6, arenaBytes: 22772, codeBytes: 16384 },
  person_detection: { instructions: 22.93e6, arenaBytes: 82292 },
  ad: { instructions: 0.58e6, arenaBytes: 2260 },
};

/** A stored .npz of int8 samples (x_int8) and labels, for the person images. */
function personNpz() {
  const dir = join(fixtures, "tflite-micro/person_detection/testdata");
  const x = Buffer.concat([
    readFileSync(join(dir, "person_int8_96x96x1.raw")),
    readFileSync(join(dir, "no_person_int8_96x96x1.raw")),
  ]);
  const path = join(work, "person.npz");
  writeFileSync(join(work, "person.raw"), x);
  execFileSync(join(root, ".venv/bin/python"), [
    "-c",
    "import numpy as np,sys; x=np.frombuffer(open(sys.argv[1],'rb').read(),dtype=np.int8).reshape(2,96,96,1); np.savez(sys.argv[2], x_int8=x, y=np.array([1,0]))",
    join(work, "person.raw"),
    path,
  ]);
  return path;
}

const tflmSha = (model, data, extra) =>
  JSON.parse(
    execFileSync(
      join(root, ".venv/bin/python"),
      [join(root, "workers/engine/oracle/run_tflite.py"), model, data, "--interpreter", "tflm", ...extra],
      { maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "ignore"] },
    ),
  ).outputs_sha256;

const MODELS = {
  kws: {
    path: join(fixtures, "mlperf-tiny/kws/kws_ref_model.tflite"),
    data: join(generated, "kws_eembc.npz"),
    key: "x_int8",
  },
  person_detection: {
    path: join(fixtures, "tflite-micro/person_detection/person_detect.tflite"),
    data: null,
    key: "x_int8",
  },
  ad: { path: join(fixtures, "mlperf-tiny/ad/ad01_int8.tflite"), data: join(generated, "ad_windows.npz"), key: "x" },
};
MODELS.person_detection.data = personNpz();

const RUNS = [
  ["kws", "cortex-m4", kwsLimit],
  ["kws", "cortex-m4", Math.min(100, kwsLimit), "ref"],
  ["kws", "riscv", kwsLimit],
  ["kws", "cortex-m7", Math.min(100, kwsLimit)],
  ["kws", "stm32", Math.min(100, kwsLimit)],
  ["kws", "cortex-a", Math.min(100, kwsLimit)],
  ["person_detection", "cortex-m4", 2],
  ["person_detection", "cortex-m7", 2],
  ["ad", "cortex-m4", 196],
];

const rows = [];
for (const [name, target, limit, forcedArch] of RUNS) {
  const m = MODELS[name];
  const dir = join(work, `${name}-${target}`);
  const { graph } = importModel(readFileSync(m.path), m.path);
  runPasses(graph);
  await writeGeneratedFiles(generateC(graph), join(dir, "c"));
  const t0 = performance.now();
  // The core's optimized kernels when the generated runtime ships them; when that build or run fails, the failure
  // is recorded and the reference kernels run instead.
  let optimizedKernelsError = null;
  let r;
  try {
    r = await benchmark({
      dir,
      target,
      dataset: readFileSync(m.data),
      limit,
      ...(forcedArch ? { arch: forcedArch } : {}),
    });
  } catch (e) {
    optimizedKernelsError = e.message.split("\n").slice(0, 3).join(" ");
    r = await benchmark({ dir, target, dataset: readFileSync(m.data), limit, arch: "ref" });
  }
  const seconds = (performance.now() - t0) / 1000;
  const tflm = tflmSha(m.path, m.data, ["--key", m.key, "--limit", String(limit)]);
  const rec = r.record;
  rows.push({
    model: name,
    target,
    board: rec.board,
    kernels: rec.kernels,
    optimizedKernelsError,
    samples: rec.samples,
    instructionsPerInference: {
      value: rec.instructions.mean,
      min: rec.instructions.min,
      max: rec.instructions.max,
      source: "emulated",
    },
    macs: rec.macs,
    macsPerInstruction: rec.macsPerInstruction,
    arenaBytes: rec.memory.arenaBytes,
    flashBytes: rec.memory.flashBytes,
    ramBytes: rec.memory.ramBytes,
    peakStackBytes: rec.memory.peakStackBytes,
    // Text of the generated model code + the runtime kernels it links (weights, harness and libc excluded).
    codeBytes: rec.memory.code
      ? { model: rec.memory.code.modelBytes, kernels: rec.memory.code.kernelBytes, total: rec.memory.code.totalBytes }
      : null,
    outputsIdenticalToTflm: rec.outputs.sha256 === tflm,
    outputsMatchingHost: rec.outputs.matchingHost,
    top1: rec.quality?.value ?? null,
    latencyMsEstimated: rec.estimate?.latencyMs ?? null,
    energyUjEstimated: rec.estimate?.energyUj ?? null,
    anchor:
      target === "cortex-m4" && !forcedArch
        ? { ...ANCHORS[name], source: "issue 6: TFLM + CMSIS-NN on Cortex-M4" }
        : null,
    wallSeconds: seconds,
  });
  const row = rows.at(-1);
  console.error(
    `${name.padEnd(17)} ${target.padEnd(10)} ${String(row.samples).padStart(5)} inputs  ${(row.instructionsPerInference.value / 1e6).toFixed(2).padStart(7)} M instr  ${row.macsPerInstruction?.toFixed(3)} MAC/instr  arena ${row.arenaBytes}  flash ${row.flashBytes}  RAM ${row.ramBytes}  stack ${row.peakStackBytes}  code ${row.codeBytes?.total ?? "?"} B (model ${row.codeBytes?.model ?? "?"} + kernels ${row.codeBytes?.kernels ?? "?"})  TFLM-identical ${row.outputsIdenticalToTflm}${row.anchor ? `  (anchor ${(row.anchor.instructions / 1e6).toFixed(2)} M, arena ${row.anchor.arenaBytes})` : ""}  ${seconds.toFixed(1)} s`,
  );
}
rmSync(work, { recursive: true, force: true });

const result = {
  benchmark: "generated C in the benchmark firmware on QEMU boards (-icount shift=0)",
  command: `node workers/engine/bench/embedded.mjs${kwsLimit !== 1000 ? ` --kws-limit ${kwsLimit}` : ""}`,
  measuredAt: new Date().toISOString(),
  commit: execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root }).toString().trim(),
  // uncommitted changes to what the figures depend on, if any
  localChanges: execFileSync(
    "git",
    ["status", "--porcelain", "--", "sdk/embedded", "workers/engine/src", "hardware-farm/firmware"],
    { cwd: root },
  )
    .toString()
    .split("\n")
    .filter(Boolean),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  notes:
    "instructions, sizes and stack are emulated (exact under QEMU -icount; the MPS2 timer counts in steps of 40); latency and energy are estimates from src/bench/cost-model.ts; anchors are the TFLM + CMSIS-NN figures quoted by issue 6",
  rows,
};
writeFileSync(join(root, "workers/engine/bench/embedded.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
