#!/usr/bin/env node
// Benchmark: wall time of the engine's KWS int8 optimization on the 1000 EEMBC inputs (target: under 60 s on
// the project's 2-core machine), side by side with the reference int8 model from the TensorFlow converter,
// both scored in the same run by the same TFLite interpreter (ai-edge-litert).
//   node workers/engine/bench/kws-int8.mjs [--runs N]      (after ops/setup, pnpm build and ops/fixtures)
// Writes workers/engine/bench/kws-int8.json and prints it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { optimize } from "../dist/index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const fixtures = process.env.TINYML_FIXTURES ?? join(root, "../shared/fixtures");
const generated = process.env.TINYML_FIXTURES_OUT ?? join(root, ".tmp/fixtures");
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 3;
const model = readFileSync(join(fixtures, "mlperf-tiny/kws/kws_ref_model_float32.tflite"));
const dataset = readFileSync(join(generated, "kws_eembc.npz"));

const litertTop1 = (path) =>
  JSON.parse(
    execFileSync(
      join(root, ".venv/bin/python"),
      [
        join(root, "workers/engine/oracle/run_tflite.py"),
        path,
        join(generated, "kws_eembc.npz"),
        "--interpreter",
        "litert",
      ],
      {
        maxBuffer: 64 << 20,
        stdio: ["ignore", "pipe", "ignore"],
      },
    ),
  ).top1;

const wall = [];
let last;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  last = await optimize({
    model,
    modelName: "kws_ref_model_float32.tflite",
    dataset,
    target: "cortex-m4",
    precision: "int8",
  });
  wall.push((performance.now() - t0) / 1000);
}
const work = mkdtempSync(join(tmpdir(), "bench-kws-"));
const ours = join(work, "model.tflite");
writeFileSync(ours, last.tflite);
const sorted = [...wall].sort((a, b) => a - b);
const result = {
  benchmark: "engine KWS int8 optimization, 1000 EEMBC inputs",
  command: "node workers/engine/bench/kws-int8.mjs",
  measuredAt: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  runs,
  wallSeconds: { min: sorted[0], median: sorted[Math.floor(runs / 2)], all: wall },
  targetSeconds: 60,
  stagesMs: last.report.timings,
  side_by_side: {
    engine: {
      sizeBytes: last.tflite.length,
      top1_onnxruntime: last.report.optimized.quality.value,
      top1_litert: litertTop1(ours),
    },
    tensorflow_converter_int8_reference: {
      sizeBytes: readFileSync(join(fixtures, "mlperf-tiny/kws/kws_ref_model.tflite")).length,
      top1_litert: litertTop1(join(fixtures, "mlperf-tiny/kws/kws_ref_model.tflite")),
    },
  },
};
rmSync(work, { recursive: true, force: true });
writeFileSync(fileURLToPath(new URL("./kws-int8.json", import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
