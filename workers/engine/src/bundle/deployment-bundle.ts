import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TargetId } from "@tinyml/workflows/contracts";
import { analyzeBenchmark, type BenchmarkRun, type BenchResult } from "../bench/analyze.js";
import type { KernelArch } from "../bench/boards.js";
import { quantizedInputs } from "../bench/inputs.js";
import { parseModelHeader } from "../bench/model-header.js";
import { OptimizationReportSchema } from "../report.js";
import { unpackGeneratedC } from "./generated-c-archive.js";
import { createTarGz } from "./tar.js";

/** What the firmware was built from and how it ran, as stored bytes: the inputs of `assembleDeploymentBundle`. */
export interface DeploymentBundleRequest {
  /** A folder the caller owns and removes. */
  workDir: string;
  target: TargetId;
  board: string;
  arch: KernelArch;
  /** Inferences the firmware ran (the first `samples` of the dataset). */
  samples: number;
  run: BenchmarkRun;
  files: {
    elf: Uint8Array;
    /** The linker map; empty when the toolchain wrote none. */
    map: Uint8Array;
    /** The host build's output bytes for the same inputs. */
    expected: Uint8Array;
    /** report.json of the optimization. */
    report: Uint8Array;
    /** c.tar.gz of `packGeneratedC`. */
    c: Uint8Array;
    tflite: Uint8Array;
    /** The dataset's .npz (its labels give the deployed code's top-1). */
    dataset: Uint8Array;
    /** model.onnx, left out of the bundle when absent. */
    onnx: Uint8Array | null;
  };
  signal?: AbortSignal;
}

export interface DeploymentBundle {
  result: BenchResult;
  /** benchmark.json: the run's record. */
  benchmarkJson: string;
  /** report.json with the deployment figures added. */
  reportJson: string;
  /** bundle.tar.gz: model.tflite, model.onnx (when given), report.json, benchmark.json, c/, firmware-<target>.elf. */
  bundle: Uint8Array;
}

/**
 * The figures of a firmware run (`analyzeBenchmark` over the stored build) and the download bundle that goes with
 * them: the optimization's report gains the deployment figures, and the bundle holds everything a user needs to
 * reproduce the deployment.
 */
export async function assembleDeploymentBundle(request: DeploymentBundleRequest): Promise<DeploymentBundle> {
  const { workDir: dir, files, signal } = request;
  const bundle = join(dir, "bundle");
  await mkdir(bundle);
  await unpackGeneratedC(files.c, { workDir: dir, into: bundle }, signal);
  const header = parseModelHeader(await readFile(join(bundle, "c", "model.h"), "utf8"));
  const { labels } = await quantizedInputs(files.dataset, header, request.samples);
  const mapText = new TextDecoder().decode(files.map);
  const result = analyzeBenchmark(
    {
      target: request.target,
      board: request.board,
      arch: request.arch,
      header,
      labels,
      expected: files.expected,
      elf: files.elf,
      map: mapText.trim() ? mapText : null,
    },
    request.run,
  );
  const report = OptimizationReportSchema.parse(JSON.parse(new TextDecoder().decode(files.report)));
  report.deployment = result.deployment;
  const benchmarkJson = `${JSON.stringify(result.record, null, 2)}\n`;
  const reportJson = `${JSON.stringify(report, null, 2)}\n`;
  const elfName = `firmware-${request.target}.elf`;
  await writeFile(join(bundle, "benchmark.json"), benchmarkJson);
  await writeFile(join(bundle, "report.json"), reportJson);
  await writeFile(join(bundle, "model.tflite"), files.tflite);
  await writeFile(join(bundle, elfName), files.elf);
  const entries = ["model.tflite", "report.json", "benchmark.json", "c", elfName];
  if (files.onnx) {
    await writeFile(join(bundle, "model.onnx"), files.onnx);
    entries.splice(1, 0, "model.onnx");
  }
  await createTarGz(join(dir, "bundle.tar.gz"), bundle, entries, signal);
  return { result, benchmarkJson, reportJson, bundle: await readFile(join(dir, "bundle.tar.gz")) };
}
