import type { Lane } from "./cases.js";
import type { RunnerMessage } from "./child.js";

/**
 * The campaign's JSON summary: per lane, cases and their outcomes by kind, stage and refusal code, cases per
 * second; every crash, hang and case over the memory cap with what reproduces it; the peak memory and the
 * heaviest and slowest cases.
 */
type CaseMessage = Extract<RunnerMessage, { kind: "case" }>;

interface Counts {
  cases: number;
  ok: number;
  refused: number;
  crash: number;
}
const counts = (): Counts => ({ cases: 0, ok: 0, refused: 0, crash: 0 });

interface LaneSummary extends Counts {
  casesPerSecond: number;
  /** Full lane: cases whose generated C was built and run on the host. */
  generatedC: number;
  byKind: Record<string, Counts>;
  /** Where each case ended: the last stage it entered. */
  byStage: Record<string, Counts>;
  refusedByCode: Record<string, number>;
  /** The first messages of each stage and code, to read what the engine said. */
  refusalSamples: Record<string, { index: number; kind: string; message: string }[]>;
  peakRssBytes: number;
  slowestMs: number;
  seconds: number;
}

export interface Finding {
  lane: Lane;
  index: number;
  kind: string;
  stage?: string;
  error?: string;
  seconds?: number;
  rssBytes?: number;
  file?: string;
  replay: string;
}

const laneSummary = (): LaneSummary => ({
  ...counts(),
  casesPerSecond: 0,
  generatedC: 0,
  byKind: {},
  byStage: {},
  refusedByCode: {},
  refusalSamples: {},
  peakRssBytes: 0,
  slowestMs: 0,
  seconds: 0,
});

const top = <T>(items: T[], by: (t: T) => number, n = 10): T[] => items.sort((a, b) => by(b) - by(a)).slice(0, n);

export class CampaignSummary {
  readonly lanes: Record<Lane, LaneSummary> = { import: laneSummary(), full: laneSummary() };
  readonly crashes: Finding[] = [];
  readonly hangs: Finding[] = [];
  readonly overMemory: Finding[] = [];
  readonly generatorErrors: Finding[] = [];
  private heaviest: { lane: Lane; index: number; kind: string; rssBytes: number }[] = [];
  private slowest: { lane: Lane; index: number; kind: string; ms: number }[] = [];
  peakRssBytes = 0;
  private readonly startedAt = new Date();

  constructor(
    readonly seed: number,
    readonly limits: { caseTimeoutMs: number; memoryBytes: number },
  ) {}

  replay = (lane: Lane, index: number): string =>
    `node workers/engine/dist/fuzz/campaign.js --seed ${this.seed} --replay ${lane}:${index}`;

  record(m: CaseMessage): void {
    const lane = this.lanes[m.lane];
    const byKind = lane.byKind[m.caseKind] ?? counts();
    const byStage = lane.byStage[m.stage] ?? counts();
    lane.byKind[m.caseKind] = byKind;
    lane.byStage[m.stage] = byStage;
    for (const c of [lane, byKind, byStage]) {
      c.cases++;
      c[m.result]++;
    }
    if (m.code) {
      lane.refusedByCode[m.code] = (lane.refusedByCode[m.code] ?? 0) + 1;
      const key = `${m.stage} ${m.code}`;
      const samples = lane.refusalSamples[key] ?? [];
      lane.refusalSamples[key] = samples;
      if (samples.length < 3) samples.push({ index: m.index, kind: m.caseKind, message: m.error ?? "" });
    }
    if (m.generatedC) lane.generatedC++;
    lane.peakRssBytes = Math.max(lane.peakRssBytes, m.peakRss);
    lane.slowestMs = Math.max(lane.slowestMs, Math.round(m.ms));
    this.peakRssBytes = Math.max(this.peakRssBytes, m.peakRss);
    this.heaviest.push({ lane: m.lane, index: m.index, kind: m.caseKind, rssBytes: m.peakRss });
    this.slowest.push({ lane: m.lane, index: m.index, kind: m.caseKind, ms: Math.round(m.ms) });
    if (this.heaviest.length > 1000) this.heaviest = top(this.heaviest, (h) => h.rssBytes);
    if (this.slowest.length > 1000) this.slowest = top(this.slowest, (s) => s.ms);
    if (m.result === "crash") {
      const error = (m.error ?? "").split("\n").slice(0, 6).join("\n");
      this.crashes.push({
        lane: m.lane,
        index: m.index,
        kind: m.caseKind,
        stage: m.stage,
        error,
        replay: this.replay(m.lane, m.index),
      });
    }
  }

  /** Seconds each lane has run (the caller tracks them: lanes share runners). */
  addSeconds(lane: Lane, seconds: number): void {
    this.lanes[lane].seconds += seconds;
  }

  get findings(): number {
    return this.crashes.length + this.hangs.length + this.overMemory.length;
  }

  toJSON(): object {
    for (const lane of Object.values(this.lanes)) {
      lane.casesPerSecond = lane.seconds > 0 ? Math.round((lane.cases / lane.seconds) * 10) / 10 : 0;
    }
    const finishedAt = new Date();
    return {
      seed: this.seed,
      startedAt: this.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      wallSeconds: Math.round((finishedAt.getTime() - this.startedAt.getTime()) / 1000),
      limits: this.limits,
      cases: this.lanes.import.cases + this.lanes.full.cases,
      crashes: this.crashes,
      hangs: this.hangs,
      overMemory: this.overMemory,
      generatorErrors: this.generatorErrors,
      peakRssBytes: this.peakRssBytes,
      lanes: this.lanes,
      heaviestCases: top(this.heaviest, (h) => h.rssBytes),
      slowestCases: top(this.slowest, (s) => s.ms),
    };
  }
}
