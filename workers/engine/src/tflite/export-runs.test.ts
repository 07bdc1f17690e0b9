import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Node } from "../ir/ops.js";
import { REPO_ROOT, runTflite } from "../testing/fixtures.js";
import { fp16Network, int8Network, int16x8Network, operatorVersionsOf, perTensor } from "../testing/tflite-networks.js";
import { exportTflite } from "./export.js";

/** The exported files run in TFLite (ai-edge-litert) and TFLite Micro, over the same 64 random inputs. */

const PYTHON = `${REPO_ROOT}.venv/bin/python`;
const execFileAsync = promisify(execFile);

let work: string;
let samples: string;

beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run ops/setup`);
  work = mkdtempSync(join(tmpdir(), "tflite-export-"));
  samples = join(work, "x.npz");
  await execFileAsync(PYTHON, [
    "-c",
    "import sys, numpy as np; np.savez(sys.argv[1], x=np.random.default_rng(1).uniform(0, 1, (64, 8, 8, 3)).astype(np.float32))",
    samples,
  ]);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("exportTflite: the files run", () => {
  it("the int8 network loads and runs in TFLite and TFLite Micro, which agree", async () => {
    const path = join(work, "int8.tflite");
    writeFileSync(path, exportTflite(int8Network()));
    const [litert, tflm] = await Promise.all([runTflite(path, samples, "litert"), runTflite(path, samples, "tflm")]);
    expect(litert.samples).toBe(64);
    expect(tflm.samples).toBe(64);
    expect(tflm.predictions).toEqual(litert.predictions);
    expect(new Set(litert.predictions).size).toBeGreaterThan(1); // the network computes something input-dependent
  }, 60_000);

  it("the int16x8 network runs in both interpreters; the fp16 network in TFLite", async () => {
    const int16 = join(work, "int16x8.tflite");
    const fp16 = join(work, "fp16.tflite");
    writeFileSync(int16, exportTflite(int16x8Network()));
    writeFileSync(fp16, exportTflite(fp16Network()));
    const [a, b, c] = await Promise.all([
      runTflite(int16, samples, "litert"),
      runTflite(int16, samples, "tflm"),
      runTflite(fp16, samples, "litert"),
    ]);
    expect(a.samples).toBe(64);
    expect(b.predictions).toEqual(a.predictions);
    expect(c.samples).toBe(64);
    expect(new Set(c.predictions).size).toBeGreaterThan(1);
  }, 60_000);

  it("explicit convolution padding is SAME where it equals it, else PAD + VALID convolution", async () => {
    // 3×3 stride 1 SAME pads [1, 1, 1, 1]: written explicitly, the export is the very file SAME gives.
    const explicit = int8Network();
    const conv = explicit.nodes[0] as Node & { attrs: { padding: unknown } };
    conv.attrs.padding = [1, 1, 1, 1];
    expect(exportTflite(explicit)).toEqual(exportTflite(int8Network()));
    // An asymmetric padding no SAME gives: [0, 0, 2, 2] → PAD then VALID conv; compare with an explicit Pad node.
    conv.attrs.padding = [0, 0, 2, 2];
    const padded = int8Network();
    const c0 = padded.nodes[0] as Node & { attrs: { padding: unknown }; inputs: string[] };
    padded.tensors.set("x_pad", {
      name: "x_pad",
      dtype: "int8",
      shape: [1, 10, 10, 3],
      quant: perTensor(1 / 255, -128),
    });
    padded.nodes.unshift({
      name: "pad",
      op: "Pad",
      inputs: ["x"],
      outputs: ["x_pad"],
      attrs: {
        pads: [
          [0, 0],
          [0, 2],
          [0, 2],
          [0, 0],
        ],
        value: 0,
      },
    });
    c0.inputs[0] = "x_pad";
    c0.attrs.padding = "valid";
    const a = join(work, "explicit.tflite");
    const b = join(work, "padded.tflite");
    const explicitBytes = exportTflite(explicit);
    expect(operatorVersionsOf(explicitBytes)).toMatchObject({ PAD: 2, CONV_2D: 3 });
    writeFileSync(a, explicitBytes);
    writeFileSync(b, exportTflite(padded));
    const [ra, rb] = await Promise.all([runTflite(a, samples, "litert"), runTflite(b, samples, "litert")]);
    expect(ra.outputs_sha256).toBe(rb.outputs_sha256);
  }, 60_000);
});
