import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { saveCase } from "./case-files.js";
import { type Lane, makeCase } from "./cases.js";
import type { BatchMessage } from "./child.js";
import { type Corpus, loadCorpus } from "./corpus.js";
import { type BatchEnd, Runner } from "./runner.js";
import { caseFolders, runCase } from "./stages.js";
import { CampaignSummary } from "./summary.js";

/**
 * The engine's fuzz campaign (a standing guard, issue 11): generated and damaged models and datasets through the
 * engine's whole path, in runner processes under a time limit per case and a memory cap, with a JSON summary.
 *
 *   node workers/engine/dist/fuzz/campaign.js --import-cases N --full-cases M --out DIR [--seed S] [--jobs J]
 *       [--case-timeout-s 30] [--memory-mb 2048] [--max-seconds T]
 *   node workers/engine/dist/fuzz/campaign.js --seed S --replay LANE:INDEX     # one case, in this process
 *
 * Exit status 0 when no case crashed, hung or went over the memory cap; 1 otherwise (the summary says which,
 * and how to reproduce each).
 */
const USAGE =
  "usage: campaign.js --import-cases N --full-cases M --out DIR [--seed S] [--jobs J] [--case-timeout-s S] [--memory-mb MB] [--max-seconds T] | --seed S --replay LANE:INDEX";
const CHILD = fileURLToPath(new URL("./child.js", import.meta.url));
const BATCH: Record<Lane, number> = { import: 2000, full: 10 };

interface Options {
  seed: number;
  cases: Record<Lane, number>;
  out: string;
  jobs: number;
  caseTimeoutMs: number;
  memoryBytes: number;
  deadline: number;
}

function options(argv: string[]): Options | { replay: string; seed: number } {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: "string", default: "20261202" },
      "import-cases": { type: "string", default: "0" },
      "full-cases": { type: "string", default: "0" },
      out: { type: "string" },
      jobs: { type: "string", default: "1" },
      "case-timeout-s": { type: "string", default: "30" },
      "memory-mb": { type: "string", default: "2048" },
      "max-seconds": { type: "string" },
      replay: { type: "string" },
    },
  });
  const seed = Number(values.seed);
  if (values.replay) return { replay: values.replay, seed };
  if (!values.out) throw new Error(USAGE);
  return {
    seed,
    cases: { import: Number(values["import-cases"]), full: Number(values["full-cases"]) },
    out: resolve(values.out),
    jobs: Math.max(1, Number(values.jobs)),
    caseTimeoutMs: Number(values["case-timeout-s"]) * 1000,
    memoryBytes: Number(values["memory-mb"]) * 2 ** 20,
    deadline: values["max-seconds"] ? Date.now() + Number(values["max-seconds"]) * 1000 : Number.POSITIVE_INFINITY,
  };
}

/** The batches of both lanes, interleaved in proportion, so that a campaign cut short has run some of each. */
function schedule(o: Options): BatchMessage[] {
  const casesDir = join(o.out, "cases");
  const of = (lane: Lane) => {
    const list: BatchMessage[] = [];
    for (let from = 0; from < o.cases[lane]; from += BATCH[lane]) {
      list.push({ kind: "batch", lane, seed: o.seed, from, to: Math.min(o.cases[lane], from + BATCH[lane]), casesDir });
    }
    return list;
  };
  const [a, b] = [of("import"), of("full")];
  const [totalA, totalB] = [a.length, b.length];
  const merged: BatchMessage[] = [];
  while (a.length + b.length > 0) {
    // the lane with the larger share still to run goes next
    const next = b.length === 0 || (a.length > 0 && a.length / totalA >= b.length / totalB) ? a : b;
    merged.push(next.shift() as BatchMessage);
  }
  return merged;
}

/** A case the runner could not report (it hung, went over the cap or died): recorded, and its files written. */
async function recordFault(
  summary: CampaignSummary,
  o: Options,
  corpus: () => Promise<Corpus>,
  b: BatchMessage,
  end: Exclude<BatchEnd, { ended: "done" }>,
) {
  const c = makeCase(await corpus(), o.seed, b.lane, end.at);
  const finding = { lane: b.lane, index: end.at, kind: c.kind, replay: summary.replay(b.lane, end.at) };
  const file = saveCase(b.casesDir, { seed: o.seed, lane: b.lane, index: end.at }, c, end);
  if (end.ended === "hang") summary.hangs.push({ ...finding, seconds: end.seconds, file });
  else if (end.ended === "memory") summary.overMemory.push({ ...finding, rssBytes: end.rssBytes, file });
  else summary.crashes.push({ ...finding, error: end.detail, file });
}

async function campaign(o: Options): Promise<number> {
  mkdirSync(o.out, { recursive: true });
  const summary = new CampaignSummary(o.seed, { caseTimeoutMs: o.caseTimeoutMs, memoryBytes: o.memoryBytes });
  const queue = schedule(o);
  let corpus: Promise<Corpus> | undefined;
  const lazyCorpus = () => {
    corpus = corpus ?? loadCorpus();
    return corpus;
  };
  const write = () => writeFileSync(join(o.out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  const progress = setInterval(() => {
    write();
    const { import: i, full: f } = summary.lanes;
    console.error(`[fuzz] import ${i.cases}, full ${f.cases} (C ${f.generatedC}); findings ${summary.findings}`);
  }, 30_000);
  const work = async () => {
    const runner = new Runner(CHILD, o, (m) => {
      if (m.kind === "case") summary.record(m);
      else
        summary.generatorErrors.push({
          lane: m.lane,
          index: m.index,
          kind: "generator",
          error: m.error,
          replay: summary.replay(m.lane, m.index),
        });
    });
    for (let b = queue.shift(); b && Date.now() < o.deadline; b = queue.shift()) {
      await runner.start();
      const started = performance.now();
      const end = await runner.run(b);
      summary.addSeconds(b.lane, (performance.now() - started) / 1000);
      if (end.ended !== "done") {
        await recordFault(summary, o, lazyCorpus, b, end);
        if (end.at + 1 < b.to) queue.unshift({ ...b, from: end.at + 1 });
      }
    }
    runner.stop();
    summary.peakRssBytes = Math.max(summary.peakRssBytes, runner.peakTreeRss);
  };
  await Promise.all(Array.from({ length: o.jobs }, work));
  clearInterval(progress);
  write();
  console.log(
    JSON.stringify({ ...summary.toJSON(), lanes: undefined, heaviestCases: undefined, slowestCases: undefined }),
  );
  return summary.findings === 0 ? 0 : 1;
}

async function replay(spec: string, seed: number): Promise<number> {
  const [lane, index] = spec.split(":");
  if ((lane !== "import" && lane !== "full") || !Number.isInteger(Number(index))) throw new Error(USAGE);
  const c = makeCase(await loadCorpus(), seed, lane, Number(index));
  const outcome = await runCase(c, caseFolders());
  console.log(JSON.stringify({ lane, index: Number(index), kind: c.kind, ...outcome }, null, 2));
  return outcome.result === "crash" ? 1 : 0;
}

const o = options(process.argv.slice(2));
process.exitCode = "replay" in o ? await replay(o.replay, o.seed) : await campaign(o);
