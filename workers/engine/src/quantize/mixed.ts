import { type Dataset, sampleOf } from "../dataset/dataset.js";
import { fidelityOf } from "../evaluation/metrics.js";
import type { Graph } from "../ir/graph.js";
import type { OpType } from "../ir/ops.js";
import { ReferenceInterpreter } from "../runtime/interpreter.js";
import { fitsSizeBudget, overSizeBudget, type SizeBudget, sizeBudgetError } from "../size-budget.js";
import { type PrecisionPlan, quantizeInteger } from "./integer.js";
import { QUANT_RULES } from "./op-rules.js";
import type { ActivationBits } from "./params.js";

interface LayerSensitivity {
  name: string;
  op: OpType;
  /** Output SQNR (dB) with every layer int8 except this one in int16. */
  sqnrDb: number;
  /** Gain over all-int8, in dB. */
  gainDb: number;
}

export interface MixedPlan {
  plan: PrecisionPlan;
  sensitivities: LayerSensitivity[];
  baselineSqnrDb: number;
  sizeBytes: number;
  /** Layers promoted to int16, in the order they were chosen. */
  promoted: string[];
}

/** Output SQNR of a quantized graph against the float outputs, under simulated quantization. */
function simulatedSqnr(quantized: Graph, data: Dataset, floatOutputs: Float32Array[]): number {
  const run = new ReferenceInterpreter(quantized);
  const outs = Array.from(
    { length: data.count },
    (_, i) => run.run([sampleOf(data, i)], { fakeQuant: true })[0] as Float32Array,
  );
  return fidelityOf(floatOutputs, outs).sqnrDb;
}

/**
 * Mixed int8/int16 activations under a size budget. Sensitivity analysis: for each choosable layer, the
 * output SQNR (simulated quantization on `data`) when that layer alone runs with 16-bit activations, the
 * others with 8. Layers are then promoted to int16 greedily, largest gain first, as long as the exported
 * model (measured with `sizeOf`) stays within the budget and the promotion improves the measured SQNR of
 * the whole plan. The all-int8 plan must itself fit the budget.
 */
export function planMixedPrecision(
  float: Graph,
  ranges: ReadonlyMap<string, [number, number]>,
  data: Dataset,
  budget: SizeBudget,
  sizeOf: (quantized: Graph) => number,
): MixedPlan {
  const floatRun = new ReferenceInterpreter(float);
  const floatOutputs = Array.from(
    { length: data.count },
    (_, i) => floatRun.run([sampleOf(data, i)])[0] as Float32Array,
  );
  const planWith = (promoted: Iterable<string>): PrecisionPlan => ({
    defaultBits: 8,
    bits: new Map<string, ActivationBits>([...promoted].map((n) => [n, 16])),
  });
  const allInt8 = quantizeInteger(float, ranges, planWith([]));
  const int8Size = sizeOf(allInt8);
  const over = overSizeBudget("the smallest mixed-precision model (all int8)", int8Size, budget);
  if (over) throw sizeBudgetError(over, int8Size, budget);
  const baselineSqnrDb = simulatedSqnr(allInt8, data, floatOutputs);
  const sensitivities: LayerSensitivity[] = float.nodes
    .filter((n) => QUANT_RULES[n.op]?.choosable === true)
    .map((n) => {
      const sqnrDb = simulatedSqnr(quantizeInteger(float, ranges, planWith([n.name])), data, floatOutputs);
      return { name: n.name, op: n.op, sqnrDb, gainDb: sqnrDb - baselineSqnrDb };
    });
  const promoted: string[] = [];
  let best = baselineSqnrDb;
  let size = int8Size;
  for (const layer of [...sensitivities].sort((a, b) => b.gainDb - a.gainDb)) {
    if (layer.gainDb <= 0) break;
    const candidate = quantizeInteger(float, ranges, planWith([...promoted, layer.name]));
    const candidateSize = sizeOf(candidate);
    if (!fitsSizeBudget(candidateSize, budget)) continue;
    const sqnr = simulatedSqnr(candidate, data, floatOutputs);
    if (sqnr <= best) continue;
    promoted.push(layer.name);
    best = sqnr;
    size = candidateSize;
  }
  return { plan: planWith(promoted), sensitivities, baselineSqnrDb, sizeBytes: size, promoted };
}
