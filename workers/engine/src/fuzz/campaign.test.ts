import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../testing/fixtures.js";

/**
 * The fuzz campaign's bounded slice, run on every CI run (the long run's figures are in the README): the built
 * campaign (dist/fuzz/campaign.js) in its runner processes, under its time limit per case and memory cap, must
 * find no crash, no hang and no case over the cap. TINYML_FUZZ_SEED picks another slice.
 */
const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), "engine-fuzz-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const SEED = process.env.TINYML_FUZZ_SEED ?? "20261202";
const IMPORT_CASES = 4000;
const FULL_CASES = 24;

describe("the fuzz campaign, a bounded slice", () => {
  it(`seed ${SEED}: ${IMPORT_CASES} import and analysis cases, ${FULL_CASES} through to generated C: no crash, hang or case over the memory cap`, async () => {
    const campaign = join(REPO_ROOT, "workers/engine/dist/fuzz/campaign.js");
    const args = ["--seed", SEED, "--import-cases", String(IMPORT_CASES), "--full-cases", String(FULL_CASES)];
    const result = await run(process.execPath, [campaign, ...args, "--out", out], { maxBuffer: 64 * 2 ** 20 }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect({ crashes: summary.crashes, hangs: summary.hangs, overMemory: summary.overMemory }).toEqual({
      crashes: [],
      hangs: [],
      overMemory: [],
    });
    expect(summary.generatorErrors).toEqual([]);
    expect("code" in result ? result.code : 0).toBe(0);
    const { import: imports, full } = summary.lanes;
    expect(imports.cases).toBe(IMPORT_CASES);
    expect(full.cases).toBe(FULL_CASES);
    // every kind of case ran, the hostile ones met the engine's bounds, and some went all the way to C
    expect(Object.keys(imports.byKind).sort()).toEqual([
      "garbage",
      "keras-h5",
      "npz",
      "onnx-bytes",
      "onnx-proto",
      "other-files",
      "synthesized",
      "tflite-bytes",
      "tflite-graph",
      "zip",
    ]);
    expect(imports.refusedByCode.OVER_LIMITS).toBeGreaterThan(0);
    expect(imports.byStage.analysis.ok).toBeGreaterThan(0);
    expect(full.generatedC).toBeGreaterThan(FULL_CASES / 3);
    expect(summary.peakRssBytes).toBeLessThan(summary.limits.memoryBytes);
  }, 300_000);
});
