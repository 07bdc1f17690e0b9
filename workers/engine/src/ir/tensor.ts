import type { DType, TensorData } from "./dtype.js";

/**
 * Affine quantization: real = scale * (q - zeroPoint). Per-tensor when `scale` has one element; per-axis
 * (one scale and zero point per slice along `axis`) otherwise, as TFLite's `quantized_dimension`.
 */
export interface QuantParams {
  scale: number[];
  zeroPoint: number[];
  /** The quantized dimension for per-axis parameters; absent (or 0 with one scale) for per-tensor. */
  axis?: number;
}

/**
 * A value in the graph. `shape` is concrete (the batch dimension of a model input is 1). A tensor with
 * `data` is a constant (weights, biases, shapes); one without is an activation computed at run time.
 */
export interface Tensor {
  name: string;
  dtype: DType;
  shape: number[];
  data?: TensorData;
  quant?: QuantParams;
}

export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
