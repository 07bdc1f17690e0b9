import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatKb, kbToBytes, TargetId } from "@tinyml/workflows/contracts";
import { analyzeGraph } from "./analysis/analyze.js";
import { benchmark, writeBenchResult } from "./bench/bench.js";
import { CALIBRATION_METHODS, type CalibrationMethod } from "./calibration/calibrators.js";
import { type GeneratedC, generateC } from "./codegen/generate.js";
import { cHostExecutor, writeGeneratedFiles } from "./codegen/host-build.js";
import { datasetFromNpz } from "./dataset/dataset.js";
import { EngineError, isEngineError } from "./errors.js";
import { type Quality, qualityOf } from "./evaluation/metrics.js";
import { detectModelFormat } from "./model-format.js";
import { importModel } from "./model-io.js";
import { type OptimizeResult, optimize, PRECISIONS, type Precision } from "./optimize.js";
import { runPasses } from "./passes/pipeline.js";

/**
 * The folders the engine is given, resolved once from where this CLI lies in the repository (workers/engine/src
 * or dist): the embedded runtime the generated C ships with, and the firmware the bench builds.
 */
const REPO = new URL("../../../", import.meta.url);
const FOLDERS = {
  runtimeDir: fileURLToPath(new URL("sdk/embedded/", REPO)),
  firmwareDir: fileURLToPath(new URL("hardware-farm/firmware/", REPO)),
};

const USAGE = `usage: tinyml-engine <command> [options]

commands:
  detect MODEL
      print the model's container format (tflite, onnx, keras-h5, keras-v3, savedmodel-zip, pytorch-zip, pytorch-export)
  analyze MODEL [--json]
      ops, parameters, MACs per layer, activation sizes, peak activation memory, weight bytes per precision
  optimize MODEL --dataset D.npz --target TARGET --quantize int8|int16x8|fp16|mixed --out DIR
           [--size-budget-kb N] [--calibration minmax|percentile|mse] [--calibration-samples N]
           [--no-bias-correction] [--eval-limit N] [--emit c] [--json]
      writes DIR/model.tflite, DIR/model.onnx and DIR/report.json; with --emit c also DIR/c/ (model.c, model.h,
      the runtime kernels, CMakeLists.txt, README.md), and the accuracy reported is that C's, built for this host;
      a model.tflite over --size-budget-kb (KB = 1000 bytes) is refused; mixed needs a budget and plans within it
  codegen MODEL.tflite --out DIR [--dataset D.npz] [--json]
      C code for an already-quantized (int8 / int16x8) model: writes DIR/c/ as optimize --emit c does; with a
      dataset, also the quality of that C built for this host
  bench DIR [--board TARGET] --dataset D.npz [--limit N] [--arch armv7em|rv32im|ref] [--json]
      builds DIR/c (generated C) into TARGET's firmware (default: report.json's target), runs it in QEMU, writes
      DIR/benchmark.json and report.json's deployment (instructions, flash, RAM, stack: emulated;
      latency, energy: estimated)`;

const usage = (why: string): never => {
  throw new EngineError("USAGE", `${why}\n\n${USAGE}`);
};

async function readInput(path: string, what: string): Promise<Uint8Array> {
  return readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new EngineError("FILE_NOT_FOUND", `cannot read ${what} ${path}: ${e.code ?? e.message}`);
  });
}

/**
 * The CLI's scratch folder (host builds of the generated C), made on first use in the system's temporary folder
 * and removed when the command ends: a command writes nothing else outside its --out folder. (The worker passes
 * its own work folder instead.)
 */
let scratch: Promise<string> | null = null;
const scratchFolder = (): Promise<string> => {
  scratch ??= mkdtemp(join(tmpdir(), "tinyml-engine-"));
  return scratch;
};

/** Runs the CLI; returns the process exit code. Errors are printed once, here. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await runCommand(argv);
  } finally {
    if (scratch) await rm(await scratch, { recursive: true, force: true });
    scratch = null;
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "detect":
        return await detect(rest);
      case "analyze":
        return await analyze(rest);
      case "optimize":
        return await optimizeCommand(rest);
      case "codegen":
        return await codegenCommand(rest);
      case "bench":
        return await benchCommand(rest);
      case undefined:
      case "help":
      case "--help":
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        return usage(`unknown command "${command}"`);
    }
  } catch (e) {
    if (isEngineError(e)) {
      console.error(`error [${e.code}]: ${e.message}`);
      return e.code === "USAGE" ? 2 : 1;
    }
    throw e;
  }
}

async function detect(args: string[]): Promise<number> {
  const [path] = args;
  if (!path) return usage("detect needs a MODEL path");
  console.log(await detectModelFormat(await readInput(path, "model")));
  return 0;
}

async function analyze(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: "boolean" } }, allowPositionals: true });
  const [path] = positionals;
  if (!path) return usage("analyze needs a MODEL path");
  const { graph, format } = await importModel(await readInput(path, "model"), basename(path));
  runPasses(graph);
  const a = analyzeGraph(graph);
  if (values.json) {
    console.log(JSON.stringify({ format, ...a }, null, 2));
    return 0;
  }
  console.log(
    `${a.name} (${format}): ${a.nodes} ops, ${a.params.toLocaleString("en")} parameters, ${a.macs.toLocaleString("en")} MACs`,
  );
  console.log(
    `ops: ${Object.entries(a.ops)
      .map(([op, n]) => `${op} ×${n}`)
      .join(", ")}`,
  );
  console.log("\n  layer                                    op                 MACs    params  output");
  for (const l of a.layers) {
    console.log(
      `  ${l.name.slice(0, 40).padEnd(40)} ${l.op.padEnd(16)} ${String(l.macs).padStart(9)} ${String(l.params).padStart(9)}  [${l.outputShape.join("×")}] ${l.outputBytes} B`,
    );
  }
  console.log(`\npeak activation memory (graph order, no buffer sharing): ${a.peakActivationBytes} B at ${a.peakAt}`);
  const w = a.weightBytes;
  console.log(
    `weights: float32 ${formatKb(w.float32)}, float16 ${formatKb(w.float16)}, int8 ${formatKb(w.int8)}, int16x8 ${formatKb(w.int16x8)}`,
  );
  return 0;
}

async function optimizeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      dataset: { type: "string" },
      target: { type: "string" },
      quantize: { type: "string" },
      out: { type: "string" },
      "size-budget-kb": { type: "string" },
      calibration: { type: "string" },
      "calibration-samples": { type: "string" },
      "no-bias-correction": { type: "boolean" },
      "eval-limit": { type: "string" },
      emit: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const [modelPath] = positionals;
  if (!modelPath) return usage("optimize needs a MODEL path");
  if (!values.dataset) return usage("optimize needs --dataset D.npz");
  if (!values.out) return usage("optimize needs --out DIR");
  const target = TargetId.safeParse(values.target);
  if (!target.success) return usage(`--target must be one of ${TargetId.options.join(", ")}`);
  const precision = values.quantize as Precision;
  if (!PRECISIONS.includes(precision)) return usage(`--quantize must be one of ${PRECISIONS.join(", ")}`);
  const calibration = (values.calibration ?? "minmax") as CalibrationMethod;
  if (!CALIBRATION_METHODS.includes(calibration))
    return usage(`--calibration must be one of ${CALIBRATION_METHODS.join(", ")}`);
  const positive = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(n > 0)) usage(`${flag} must be a positive number`);
    return n;
  };
  const budgetKb = positive(values["size-budget-kb"], "--size-budget-kb");
  if (precision === "mixed" && !budgetKb) return usage("--quantize mixed needs --size-budget-kb N");
  const calibrationSamples = positive(values["calibration-samples"], "--calibration-samples");
  const evaluationLimit = positive(values["eval-limit"], "--eval-limit");
  if (values.emit !== undefined && values.emit !== "c") return usage(`--emit takes "c" (got "${values.emit}")`);

  const started = performance.now();
  const result = await optimize({
    model: await readInput(modelPath, "model"),
    modelName: basename(modelPath),
    dataset: await readInput(values.dataset, "dataset"),
    target: target.data,
    precision,
    ...(budgetKb
      ? { sizeBudget: { bytes: kbToBytes(budgetKb), option: "--size-budget-kb", whenOver: "refuse" as const } }
      : {}),
    calibration,
    ...(calibrationSamples ? { calibrationSamples: Math.floor(calibrationSamples) } : {}),
    biasCorrection: !values["no-bias-correction"],
    ...(evaluationLimit ? { evaluationLimit: Math.floor(evaluationLimit) } : {}),
    ...(values.emit === "c" ? { emitC: { runtimeDir: FOLDERS.runtimeDir, workDir: await scratchFolder() } } : {}),
    onProgress: values.json ? undefined : (stage, message) => console.error(`[${stage}] ${message}`),
  });
  // Outputs are written only once everything succeeded: a failed run leaves nothing behind.
  await writeOptimizeOutputs(values.out, result);
  if (values.json) {
    console.log(JSON.stringify(result.report));
    return 0;
  }
  printOptimizeSummary(result, values.out, started);
  return 0;
}

/** model.tflite, model.onnx, report.json and (with --emit c) the C project under c/, in folder `out`. */
async function writeOptimizeOutputs(out: string, result: OptimizeResult): Promise<void> {
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "model.tflite"), result.tflite);
  await writeFile(join(out, "model.onnx"), result.onnx);
  if (result.c) await writeGeneratedFiles(result.c, join(out, "c"));
  await writeFile(join(out, "report.json"), `${JSON.stringify(result.report, null, 2)}\n`);
}

/** The human summary of an optimize run: quality, size and fidelity before and after, and where it was written. */
function printOptimizeSummary(result: OptimizeResult, out: string, started: number): void {
  const r = result.report;
  const q = (quality: typeof r.baseline.quality) =>
    quality
      ? quality.metric === "top1"
        ? `top-1 ${(quality.value * 100).toFixed(2)} %`
        : `${quality.metric} ${quality.value.toPrecision(5)}`
      : "n/a";
  console.log(`\n${r.model.name} → ${r.target.id}, ${r.optimized.precision}`);
  console.log(
    `  quality  ${q(r.baseline.quality)} → ${q(r.optimized.quality)}  (${r.evaluation.samples} samples, ${r.evaluation.executor})`,
  );
  console.log(`  size     ${formatKb(r.baseline.sizeBytes)} → ${formatKb(r.optimized.sizeBytes)}`);
  console.log(
    `  fidelity top-1 agreement ${(r.optimized.fidelity.top1Agreement * 100).toFixed(2)} %, SQNR ${r.optimized.fidelity.sqnrDb === null ? "∞ (identical outputs)" : `${r.optimized.fidelity.sqnrDb.toFixed(1)} dB`}`,
  );
  if (r.mixed) console.log(`  mixed    int16 layers: ${r.mixed.promoted.join(", ") || "(none)"}`);
  if (result.c) {
    console.log(`  C        ${describeC(result.c)}`);
    if (r.evaluation.crossCheck)
      console.log(`  check    ${q(r.evaluation.crossCheck.quality)} under ${r.evaluation.crossCheck.executor}`);
  }
  console.log(
    `  written  ${join(out, "model.tflite")}, model.onnx, report.json (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}

const describeC = (c: GeneratedC) =>
  `arena ${c.arenaBytes} B (${c.layout.planner} plan), const data ${formatKb(c.constantBytes)}, ${c.kernels.length} kernels: ${c.kernels.join(", ")}`;

async function codegenCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string" }, dataset: { type: "string" }, json: { type: "boolean" } },
  });
  const [modelPath] = positionals;
  if (!modelPath) return usage("codegen needs a MODEL path");
  if (!values.out) return usage("codegen needs --out DIR");
  const { graph } = await importModel(await readInput(modelPath, "model"), basename(modelPath));
  runPasses(graph);
  const c = generateC(graph, { runtimeDir: FOLDERS.runtimeDir });
  // With a dataset, the generated C built for this host is run over it (as optimize --emit c evaluates).
  let quality: Quality | undefined;
  if (values.dataset) {
    const data = await datasetFromNpz(await readInput(values.dataset, "dataset"), c.input.shape);
    const host = await cHostExecutor(c, { workDir: await scratchFolder() });
    try {
      quality = qualityOf(await host.runAll(data), data);
    } finally {
      await host.dispose();
    }
  }
  await writeGeneratedFiles(c, join(values.out, "c"));
  if (values.json) {
    const { arenaBytes, constantBytes, kernels, macs, input, output } = c;
    const summary = { arenaBytes, planner: c.layout.planner, constantBytes, kernels, macs, input, output };
    console.log(JSON.stringify({ ...summary, ...(values.dataset ? { hostAccuracy: quality ?? null } : {}) }));
    return 0;
  }
  console.log(`${basename(modelPath)} → ${join(values.out, "c")}: ${describeC(c)}`);
  if (quality) {
    const value = quality.metric === "top1" ? `${(quality.value * 100).toFixed(2)} %` : quality.value.toPrecision(5);
    console.log(`  host build (c-host): ${quality.metric} ${value} on ${quality.samples} samples`);
  }
  return 0;
}

async function benchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      board: { type: "string" },
      dataset: { type: "string" },
      limit: { type: "string" },
      arch: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const [dir] = positionals;
  if (!dir) return usage("bench needs an optimize output DIR (with DIR/c from --emit c)");
  if (!values.dataset) return usage("bench needs --dataset D.npz");
  // --board defaults to the target the model was optimized for (report.json)
  const reported = await readFile(join(dir, "report.json"), "utf8")
    .then((text) => (JSON.parse(text) as { target?: { id?: string } }).target?.id)
    .catch(() => undefined);
  const target = TargetId.safeParse(values.board ?? reported);
  if (!target.success) return usage(`--board must be one of ${TargetId.options.join(", ")}`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    return usage("--limit must be a positive integer");
  const arch = values.arch as "armv7em" | "rv32im" | "ref" | undefined;
  if (arch !== undefined && !["armv7em", "rv32im", "ref"].includes(arch)) {
    return usage("--arch must be armv7em, rv32im or ref");
  }
  const result = await benchmark({
    firmwareDir: FOLDERS.firmwareDir,
    dir,
    target: target.data,
    dataset: await readInput(values.dataset, "dataset"),
    ...(limit ? { limit } : {}),
    ...(arch ? { arch } : {}),
    onProgress: values.json ? undefined : (message) => console.error(`[bench] ${message}`),
  });
  await writeBenchResult(dir, result);
  const r = result.record;
  if (values.json) {
    console.log(JSON.stringify(result.deployment));
  } else {
    const d = result.deployment;
    console.log(`\n${r.target} on ${r.board} (${r.kernels} kernels), ${r.samples} inferences`);
    console.log(
      `  instructions   ${d.instructionsPerInference.value.toLocaleString("en")} per inference (emulated; min ${r.instructions.min}, max ${r.instructions.max}, counter ${r.counter.name})`,
    );
    if (r.macsPerInstruction !== null) console.log(`  MACs/instr     ${r.macsPerInstruction.toFixed(3)}`);
    console.log(`  flash          ${d.flashBytes.value} B (emulated, of ${r.catalog.flashBytes})`);
    console.log(
      `  RAM            ${d.ramBytes.value} B = static ${r.memory.staticRamBytes} (arena ${d.arenaBytes.value}) + peak stack ${d.peakStackBytes.value} (emulated, of ${r.catalog.ramBytes})`,
    );
    if (d.latencyMs)
      console.log(`  latency        ${d.latencyMs.value.toFixed(3)} ms (estimated, ${r.estimate?.part})`);
    if (d.energyUj) console.log(`  energy         ${d.energyUj.value.toFixed(1)} µJ (estimated)`);
    if (d.quality) console.log(`  top-1          ${(d.quality.value * 100).toFixed(2)} % on the board`);
    console.log(`  outputs        ${d.outputsMatchingHost}/${r.samples} identical to the host build`);
    console.log(`  fits           ${d.fits ? "yes" : "no"}`);
    console.log(`  written        ${join(dir, "benchmark.json")}`);
  }
  if (result.deployment.outputsMatchingHost !== r.samples) {
    console.error(`error: ${r.samples - result.deployment.outputsMatchingHost} inferences differ from the host build`);
    return 1;
  }
  return 0;
}
