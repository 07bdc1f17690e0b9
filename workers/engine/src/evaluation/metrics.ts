import type { Dataset } from "../dataset/dataset.js";

/** A quality figure: top-1 accuracy, a mean squared error (regression, reconstruction) or an AUC. */
export interface Quality {
  metric: "top1" | "mse" | "auc";
  value: number;
  samples: number;
}

/** How faithfully the optimized model follows the float one on the same inputs. */
export interface Fidelity {
  /** Share of samples whose arg-max output agrees with the float model's. */
  top1Agreement: number;
  /** Output signal-to-quantization-noise ratio: 10·log10(Σ float² / Σ (float − optimized)²), in dB. */
  sqnrDb: number;
}

const argmax = (v: Float32Array): number => {
  let best = 0;
  for (let i = 1; i < v.length; i++) if ((v[i] as number) > (v[best] as number)) best = i;
  return best;
};

/**
 * The quality of a model's outputs on a dataset: top-1 accuracy when the dataset has class labels; mean
 * squared error against float targets (regression) when it has values; otherwise, when the output has the
 * input's size (an autoencoder), the reconstruction MSE against the input; else none.
 */
export function qualityOf(outputs: Float32Array[], data: Dataset): Quality | undefined {
  const n = outputs.length;
  if (data.labels) {
    let correct = 0;
    outputs.forEach((o, i) => {
      if (argmax(o) === data.labels?.[i]) correct++;
    });
    return { metric: "top1", value: correct / n, samples: n };
  }
  const size = data.x.length / data.count;
  const target = (i: number): Float32Array | undefined => {
    if (data.values) {
      const per = data.values.length / data.count;
      return data.values.subarray(i * per, (i + 1) * per);
    }
    if (outputs[i]?.length === size) return data.x.subarray(i * size, (i + 1) * size);
    return undefined;
  };
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const t = target(i);
    const o = outputs[i] as Float32Array;
    if (!t || t.length !== o.length) return undefined;
    for (let k = 0; k < o.length; k++) {
      const d = (o[k] as number) - (t[k] as number);
      sum += d * d;
    }
    count += o.length;
  }
  return { metric: "mse", value: sum / count, samples: n };
}

export function fidelityOf(reference: Float32Array[], candidate: Float32Array[]): Fidelity {
  let agree = 0;
  let signal = 0;
  let noise = 0;
  reference.forEach((r, i) => {
    const c = candidate[i] as Float32Array;
    if (argmax(r) === argmax(c)) agree++;
    for (let k = 0; k < r.length; k++) {
      signal += (r[k] as number) ** 2;
      noise += ((r[k] as number) - (c[k] as number)) ** 2;
    }
  });
  return {
    top1Agreement: agree / reference.length,
    sqnrDb: noise === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10(signal / noise),
  };
}
