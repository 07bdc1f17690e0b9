import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { calibratorFor, collectStatistics } from "../calibration/index.js";
import { datasetFromNpz, sampleOf, takeSamples } from "../dataset/index.js";
import type { Graph } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { runPasses } from "../passes/index.js";
import { quantizeFloat16, quantizeInteger } from "../quantize/index.js";
import { ReferenceInterpreter, roundHalfAway } from "../runtime/index.js";
import { decodeModel } from "./decode.js";
import { exportOnnx } from "./export.js";
import { importOnnx } from "./import.js";

/**
 * The exporter on what the engine really produces: the tf2onnx KWS model imported, rewritten to NHWC by
 * the standard passes, then quantized. The float export must still be the original network; the QDQ
 * export must compute what the engine's reference interpreter computes for the quantized graph.
 */
const DERIVED = fileURLToPath(new URL("../../../../.tmp/fixtures/", import.meta.url));
const ready = existsSync(`${DERIVED}kws.onnx`) && existsSync(`${DERIVED}kws_eembc.npz`);
const SAMPLES = 24;

async function runAll(
  model: Uint8Array,
  inputs: (Float32Array | Int8Array | Int16Array)[],
  shape: number[],
  optimized = true,
) {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: optimized ? "all" : "disabled" });
  const out: ArrayLike<number>[] = [];
  for (const x of inputs) {
    const type = x instanceof Float32Array ? "float32" : x instanceof Int8Array ? "int8" : "int16";
    const r = await session.run({ [session.inputNames[0] as string]: new ort.Tensor(type, x, shape) });
    out.push(r[session.outputNames[0] as string]?.data as ArrayLike<number>);
  }
  await session.release();
  return out;
}

const kwsData = ready ? await datasetFromNpz(readFileSync(`${DERIVED}kws_eembc.npz`), [1, 49, 10, 1]) : undefined;

describe.runIf(ready)("ONNX export of the engine's own graphs (KWS through the standard passes)", () => {
  const original = ready ? readFileSync(`${DERIVED}kws.onnx`) : new Uint8Array();
  const data = kwsData;
  const inputs = data ? Array.from({ length: SAMPLES }, (_, i) => sampleOf(data, i * 37).slice()) : [];
  const nhwc = (): Graph => {
    const g = importOnnx(original, "kws");
    runPasses(g);
    return g;
  };

  it("float: NHWC graph with fused activations exports to the original network (max diff < 1e-5)", async () => {
    const g = nhwc();
    const spatial = g.nodes.filter((n) => "layout" in n.attrs);
    expect(spatial.length).toBeGreaterThanOrEqual(9);
    for (const n of spatial) expect((n.attrs as { layout: string }).layout).toBe("NHWC");
    const exported = exportOnnx(g);
    // NHWC convolutions chain through NCHW views: Transposes only where the network enters and leaves them.
    const transposes = (decodeModel(exported).graph?.nodes ?? []).filter((n) => n.opType === "Transpose");
    expect(transposes.length).toBeLessThanOrEqual(2);
    const [a, b] = [await runAll(original, inputs, [1, 49, 10, 1]), await runAll(exported, inputs, [1, 49, 10, 1])];
    let worst = 0;
    for (let s = 0; s < SAMPLES; s++) {
      for (let k = 0; k < 12; k++) worst = Math.max(worst, Math.abs((a[s]?.[k] as number) - (b[s]?.[k] as number)));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it("float16 weights: Cast from half-precision initializers, already in ONNX order; outputs within fp16 rounding", async () => {
    const half = quantizeFloat16(nhwc());
    const exported = exportOnnx(half);
    const nodes = decodeModel(exported).graph?.nodes ?? [];
    expect(nodes.filter((n) => n.opType === "Cast").length).toBeGreaterThanOrEqual(10);
    expect(nodes.filter((n) => n.opType === "Transpose").length).toBeLessThanOrEqual(2);
    const [a, b] = [await runAll(original, inputs, [1, 49, 10, 1]), await runAll(exported, inputs, [1, 49, 10, 1])];
    const argmax = (v: ArrayLike<number>) => Array.from(v).indexOf(Math.max(...Array.from(v)));
    let worst = 0;
    let agree = 0;
    for (let s = 0; s < SAMPLES; s++) {
      for (let k = 0; k < 12; k++) worst = Math.max(worst, Math.abs((a[s]?.[k] as number) - (b[s]?.[k] as number)));
      if (argmax(a[s] as ArrayLike<number>) === argmax(b[s] as ArrayLike<number>)) agree++;
    }
    expect(worst).toBeGreaterThan(0); // the weights really are rounded
    expect(worst).toBeLessThan(0.01);
    expect(agree).toBeGreaterThanOrEqual(SAMPLES - 1);
  });

  for (const bits of [8, 16] as const) {
    it(`int${bits === 8 ? 8 : "16x8"}: the QDQ export computes the quantized graph as the reference interpreter does`, async () => {
      const float = nhwc();
      const stats = collectStatistics(float, takeSamples(data as NonNullable<typeof data>, 100));
      const calibrator = calibratorFor("minmax");
      const ranges = new Map<string, [number, number]>();
      for (const [name, s] of stats) ranges.set(name, calibrator.range(s, bits === 8 ? 256 : 65536));
      const q = quantizeInteger(float, ranges, { defaultBits: bits });
      const out = q.tensors.get(q.outputs[0] as string) as Tensor;
      const interpreter = new ReferenceInterpreter(q);
      const expected = inputs.map((x) => interpreter.run([x], { fakeQuant: true })[0] as Float32Array);
      const model = exportOnnx(q);
      // Integer input, as the TFLite integer specification has it: quantized here as TFLite would.
      const input = q.tensors.get(q.inputs[0] as string) as Tensor;
      expect(input.dtype).toBe(bits === 8 ? "int8" : "int16");
      const [inScale, inZp] = [input.quant?.scale[0] as number, input.quant?.zeroPoint[0] as number];
      const [lo, hi] = bits === 8 ? [-128, 127] : [-32768, 32767];
      const codes = inputs.map((x) => {
        const c = Array.from(x, (v) => Math.min(hi, Math.max(lo, roundHalfAway(v / inScale) + inZp)));
        return bits === 8 ? Int8Array.from(c) : Int16Array.from(c);
      });
      const got = await runAll(model, codes, [1, 49, 10, 1], false);
      // The output is quantized: ONNX Runtime returns its integer codes.
      const scale = out.quant?.scale[0] as number;
      const zp = out.quant?.zeroPoint[0] as number;
      let equal = 0;
      let total = 0;
      for (let s = 0; s < SAMPLES; s++) {
        for (let k = 0; k < 12; k++) {
          const real = ((got[s]?.[k] as number) - zp) * scale;
          const diff = Math.abs(real - (expected[s]?.[k] as number));
          // Rounding of exact ties (TFLite rounds half away from zero, ONNX half to even) and float32
          // summation order can move an intermediate code by one step. On int8's coarse grid that never
          // shows at the output by more than one step; int16's grid is 256 times finer, so a few
          // intermediate flips carried through nine layers reach a few steps (of 65,536).
          expect(diff).toBeLessThanOrEqual(scale * (bits === 8 ? 1.001 : 4.001));
          if (diff < scale / 2) equal++;
          total++;
        }
      }
      expect(equal / total).toBeGreaterThan(bits === 8 ? 0.98 : 0.9);
    });
  }
});
