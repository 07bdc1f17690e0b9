import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { analyzeGraph } from "../analysis/analyze.js";
import { generateC } from "../codegen/generate.js";
import { cHostExecutor } from "../codegen/host-build.js";
import { datasetFromNpz } from "../dataset/dataset.js";
import { isEngineError } from "../errors.js";
import { detectModelFormat } from "../model-format.js";
import { importModel } from "../model-io.js";
import { optimize } from "../optimize.js";
import { runPasses } from "../passes/pipeline.js";
import type { FullCase, FuzzCase, ModelCase } from "./cases.js";

/**
 * One case through the engine, stage by stage, as its callers drive it (the worker's analyzeModel and
 * quantizeModel, the CLI's analyze and optimize). The outcome names the last stage reached and how the case
 * ended: `ok`, `refused` (the engine's own error: the case is bad input and says so) or `crash` (anything else:
 * a bug, whatever the input).
 */
export interface Outcome {
  stage: string;
  result: "ok" | "refused" | "crash";
  code?: string;
  /** The crash's stack, or the start of the engine's message. */
  error?: string;
  /** Full lane: generated C was made and ran on the host. */
  generatedC?: boolean;
}

/**
 * Engine errors that are the engine's own output failing, not a verdict on the input: the C it generated does not
 * compile or run, ONNX Runtime refuses the ONNX it wrote. The campaign counts them as crashes: an input that gets
 * this far was accepted, and must come out as working code or a refusal that says why.
 */
const BROKEN_OUTPUT =
  /generated C did not compile|generated C failed on the host|generated C wrote fewer|ONNX Runtime refused the exported|ONNX Runtime could not run the exported/;

async function staged(
  run: (enter: (stage: string) => void) => Promise<Partial<Outcome> | undefined>,
): Promise<Outcome> {
  let stage = "start";
  const enter = (s: string) => {
    stage = s;
  };
  try {
    const ended = await run(enter);
    return { stage, result: "ok", ...ended };
  } catch (e) {
    if (isEngineError(e) && !BROKEN_OUTPUT.test(e.message)) {
      return { stage, result: "refused", code: e.code, error: e.message.slice(0, 400) };
    }
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    return { stage, result: "crash", error };
  }
}

/**
 * The one call that reads a dataset. The .npz inspection of issue 11 item 3 (inflated size bounded before
 * reading) belongs inside the engine's reader; until it lands there, call it here first to fuzz it too.
 */
const readDataset = (bytes: Uint8Array, inputShape: readonly number[]) => datasetFromNpz(bytes, inputShape);

function importStages(c: ModelCase): Promise<Outcome> {
  return staged(async (enter) => {
    if (c.dataset) {
      enter("dataset");
      await readDataset(c.dataset.bytes, c.dataset.inputShape);
      return undefined;
    }
    const model = c.model;
    if (!model) return undefined;
    enter("detect");
    await detectModelFormat(model.bytes);
    enter("import");
    const { graph } = await importModel(model.bytes, model.name);
    enter("analysis");
    runPasses(graph);
    analyzeGraph(graph);
    return undefined;
  });
}

/** The CLI's `codegen` on an already-quantized model: import, passes, C, the C built and run over the dataset. */
function codegenStages(c: FullCase, { runtimeDir, workDir }: CaseFolders): Promise<Outcome> {
  return staged(async (enter) => {
    enter("import");
    const { graph } = await importModel(c.model.bytes, c.model.name);
    runPasses(graph);
    enter("codegen");
    const generated = generateC(graph, { runtimeDir });
    enter("dataset");
    const data = await readDataset(c.dataset, generated.input.shape);
    enter("evaluate-c");
    const host = await cHostExecutor(generated, { workDir });
    try {
      await host.runAll(data);
    } finally {
      await host.dispose();
    }
    return { generatedC: true };
  });
}

function fullStages(c: FullCase, folders: CaseFolders): Promise<Outcome> {
  if (c.path === "codegen") return codegenStages(c, folders);
  return staged(async (enter) => {
    const emitC = c.precision !== "fp16";
    const result = await optimize({
      model: c.model.bytes,
      modelName: c.model.name,
      dataset: c.dataset,
      target: "cortex-m4",
      precision: c.precision,
      calibrationSamples: 8,
      ...(c.sizeBudgetBytes
        ? { sizeBudget: { bytes: c.sizeBudgetBytes, option: "--size-budget-kb", whenOver: "note" } }
        : {}),
      ...(emitC ? { emitC: folders } : {}),
      onProgress: (stage) => enter(stage),
    });
    return { generatedC: result.c !== undefined };
  });
}

export const runCase = (c: FuzzCase, folders: CaseFolders): Promise<Outcome> =>
  c.lane === "import" ? importStages(c) : fullStages(c, folders);

/** The folders a case's C is generated from and built in (`emitC`, the host build). */
export interface CaseFolders {
  runtimeDir: string;
  workDir: string;
}

/**
 * This process's folders: the repository's embedded runtime, and a fresh work folder for host builds that is
 * removed when the process exits (a runner killed for a hang leaves it in the system temp folder, as a test would).
 */
export function caseFolders(): CaseFolders {
  const workDir = mkdtempSync(join(tmpdir(), "tinyml-fuzz-"));
  process.on("exit", () => rmSync(workDir, { recursive: true, force: true }));
  return { runtimeDir: fileURLToPath(new URL("../../../../sdk/embedded/", import.meta.url)), workDir };
}
