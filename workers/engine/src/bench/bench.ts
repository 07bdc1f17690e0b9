import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EngineError } from "../errors.js";
import { OptimizationReportSchema } from "../report.js";
import { analyzeBenchmark, type BenchResult } from "./analyze.js";
import { benchmarkBoard, type PrepareBenchmarkRequest, prepareBenchmark } from "./prepare.js";
import { runFirmware } from "./qemu.js";

export type BenchRequest = PrepareBenchmarkRequest;

/**
 * The benchmark on one machine, as `tinyml-engine bench` runs it: `prepareBenchmark` (firmware, host build, inputs,
 * expected outputs), the firmware in QEMU (`runFirmware`, through the farm agent's runner of emulated boards), then
 * `analyzeBenchmark`. The image is kept as DIR/firmware-<target>.elf and the recorded command names that copy.
 */
export async function benchmark(request: BenchRequest): Promise<BenchResult> {
  const { dir, target, onProgress, signal } = request;
  const board = benchmarkBoard(target);
  const prepared = await prepareBenchmark(request);
  const work = await mkdtemp(join(dir, "bench-run-")); // inside the bench folder, removed when done
  try {
    const elf = join(work, "fw.elf");
    await writeFile(elf, prepared.elf);
    onProgress?.(`running ${prepared.count} inferences in ${board.qemuBinary} ${board.qemuArgs.join(" ")}`);
    const ran = await runFirmware({
      board,
      elf,
      inputs: prepared.inputs,
      inferences: prepared.count,
      outputBytes: prepared.header.outputBytes,
      ...(signal ? { signal } : {}),
    }).catch((e: unknown) => {
      if (prepared.arch !== "ref" && e instanceof EngineError) {
        e.message += `\n(the firmware used the ${prepared.arch} kernels; --arch ref runs the reference kernels)`;
      }
      throw e;
    });
    const kept = join(dir, `firmware-${target}.elf`);
    const result = analyzeBenchmark(prepared, {
      ...ran,
      command: ran.command.map((arg) => (arg === elf ? kept : arg)),
    });
    // The image is kept beside the report (the build folder is temporary).
    await writeFile(kept, prepared.elf);
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
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
