import { readFileSync, writeFileSync } from "node:fs";
import { saveCase } from "./case-files.js";
import { type Lane, makeCase } from "./cases.js";
import { loadCorpus } from "./corpus.js";
import { caseFolders, runCase } from "./stages.js";

/**
 * A runner of the fuzz campaign (campaign.ts forks it): loads the seeds once, then runs the batches of cases its
 * parent sends, many cases per process, reporting each case as it ends (the parent attributes a hang or a death
 * to the case after the last one reported). A case that crashes is written to the campaign's folder here.
 */
export interface BatchMessage {
  kind: "batch";
  lane: Lane;
  seed: number;
  from: number;
  to: number;
  casesDir: string;
}

export type RunnerMessage =
  | { kind: "ready"; seeds: number; graphs: number }
  | {
      kind: "case";
      lane: Lane;
      index: number;
      caseKind: string;
      stage: string;
      result: "ok" | "refused" | "crash";
      code?: string;
      error?: string;
      generatedC?: boolean;
      ms: number;
      peakRss: number;
    }
  | { kind: "generator-error"; lane: Lane; index: number; error: string }
  | { kind: "batch-done" };

const send = (m: RunnerMessage) => (process.send as (m: RunnerMessage) => boolean)(m);

/**
 * The process's peak RSS since the last call: Linux's VmHWM, reset through /proc/self/clear_refs; the current RSS
 * where that is not allowed.
 */
function peakRssSinceLast(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    writeFileSync("/proc/self/clear_refs", "5");
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    // not Linux, or clear_refs refused
  }
  return process.memoryUsage().rss;
}

/** Where this runner's cases generate and build their C. */
const FOLDERS = caseFolders();

async function runBatch(corpus: Awaited<ReturnType<typeof loadCorpus>>, b: BatchMessage): Promise<void> {
  for (let index = b.from; index < b.to; index++) {
    let c: ReturnType<typeof makeCase>;
    try {
      c = makeCase(corpus, b.seed, b.lane, index);
    } catch (e) {
      send({
        kind: "generator-error",
        lane: b.lane,
        index,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
      continue;
    }
    peakRssSinceLast();
    const started = performance.now();
    const outcome = await runCase(c, FOLDERS);
    const ms = performance.now() - started;
    if (outcome.result === "crash") {
      saveCase(b.casesDir, { seed: b.seed, lane: b.lane, index }, c, { crash: outcome.error, stage: outcome.stage });
    }
    const { result, stage, code, error, generatedC } = outcome;
    send({
      kind: "case",
      lane: b.lane,
      index,
      caseKind: c.kind,
      stage,
      result,
      ...(code ? { code } : {}),
      ...(error ? { error } : {}),
      ...(generatedC !== undefined ? { generatedC } : {}),
      ms,
      peakRss: peakRssSinceLast(),
    });
  }
  send({ kind: "batch-done" });
}

if (!process.send) throw new Error("fuzz/child.js runs as a runner of fuzz/campaign.js (forked with IPC)");
const corpus = await loadCorpus();
let queue = Promise.resolve();
process.on("message", (m: BatchMessage) => {
  queue = queue.then(() => runBatch(corpus, m));
});
send({
  kind: "ready",
  seeds: corpus.tflite.length + corpus.onnx.length + corpus.npz.length,
  graphs: corpus.graphs.length,
});
