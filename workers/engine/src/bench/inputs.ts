import { parseNpz } from "../dataset/npz.js";
import { EngineError } from "../errors.js";
import { quantizeValue } from "../runtime/quant-math.js";
import type { ModelHeader } from "./model-header.js";

/**
 * The dataset's inputs as the model's integer input bytes, and its labels if any: float `x` quantized with the
 * model's own input scale and zero point (rounding half away from zero, as TensorFlow Lite does). Stored integer
 * inputs (`x_int8` / `x_int16`) are used only when the dataset has no float `x` (or when `preferStored`): they were
 * quantized with some model's input parameters, which need not be this model's.
 */
export async function quantizedInputs(
  npz: Uint8Array,
  header: ModelHeader,
  limit?: number,
  preferStored = false,
): Promise<{ bytes: Uint8Array; count: number; labels: Int32Array | null }> {
  const arrays = await parseNpz(npz);
  const elementBytes = header.inputType === "int16" ? 2 : 1;
  const perSample = header.inputBytes / elementBytes;
  const intKey = header.inputType === "int16" ? "x_int16" : "x_int8";
  const float = arrays.get("x");
  const integer = preferStored || !float ? arrays.get(intKey) : undefined;
  const x = integer ?? float;
  if (!x) {
    throw new EngineError(
      "INVALID_DATASET",
      `the dataset has neither "${intKey}" nor "x" (${perSample} values a sample)`,
    );
  }
  const total = x.data.length;
  if (total % perSample !== 0 || (x.shape[0] ?? 0) * perSample !== total) {
    throw new EngineError(
      "INVALID_DATASET",
      `${integer ? intKey : "x"} has shape (${x.shape.join(", ")}): expected N samples of ${perSample} values (the model input)`,
    );
  }
  const available = total / perSample;
  const count = Math.min(available, limit ?? available);
  const [qmin, qmax] = elementBytes === 2 ? [-32768, 32767] : [-128, 127];
  const values = new (elementBytes === 2 ? Int16Array : Int8Array)(count * perSample);
  for (let i = 0; i < values.length; i++) {
    const v = Number(x.data[i] as number | bigint);
    values[i] = integer ? v : quantizeValue(v, header.inputScale, header.inputZeroPoint, qmin, qmax);
  }
  let labels: Int32Array | null = null;
  const y = arrays.get("y");
  if (y && y.dtype !== "float32" && y.dtype !== "float64" && y.data.length === available) {
    labels = Int32Array.from(Array.from(y.data as ArrayLike<number | bigint>, Number).slice(0, count));
  }
  return { bytes: new Uint8Array(values.buffer), count, labels };
}

/** Index of the largest output of each inference. */
export function argmaxes(outputs: Uint8Array, header: ModelHeader, count: number): number[] {
  const wide = header.outputType === "int16";
  const values = wide
    ? new Int16Array(outputs.buffer, outputs.byteOffset, outputs.byteLength / 2)
    : new Int8Array(outputs.buffer, outputs.byteOffset, outputs.byteLength);
  const per = values.length / count;
  return Array.from({ length: count }, (_, i) => {
    let best = 0;
    for (let k = 1; k < per; k++) if ((values[i * per + k] as number) > (values[i * per + best] as number)) best = k;
    return best;
  });
}
