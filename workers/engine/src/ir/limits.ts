import { EngineError } from "../errors.js";
import type { Node } from "./ops.js";

/**
 * The engine's bounds on a model, checked while it is imported: a microcontroller model has limits, and a file
 * far outside them (a convolution padded by 2^31, an input of a billion values) is refused with a clear
 * OVER_LIMITS error before any work, instead of reaching ONNX Runtime, the C compiler or the worker's memory.
 * Each bound is set well above the largest real MCU-class model (the engine's own fixtures top out at
 * person_detection: 7.2 million MACs, 211 thousand parameters; MobileNet v1 1.0 at 224×224, far beyond what a
 * microcontroller runs, needs 569 million MACs, 4.2 million parameters and 0.8 million values in its largest
 * activation). The engine README lists them with these references.
 */
export const MODEL_LIMITS = Object.freeze({
  /** Dimensions of one tensor. */
  rank: 8,
  /** Size of any one dimension. */
  dimension: 16_777_216,
  /** Values in one tensor (activation or constant). */
  tensorElements: 16_777_216,
  /** Kernel size, stride, dilation and padding of a convolution or pooling, and the pads of a Pad. */
  window: 16_384,
  /** Ops in the model (as the file lists them, and after import). */
  ops: 10_000,
  /** Tensors in the model after import. */
  tensors: 50_000,
  /** Values of all constants together (weights, biases and the like): 64 MB as float32. */
  parameters: 16_777_216,
  /**
   * Values of the constants held at once while constant arithmetic is folded: by the ONNX importer (initializers
   * and folded results) and by the constant-folding pass.
   */
  importConstants: 33_554_432,
  /**
   * Multiply-accumulates of one inference: 140 × person_detection, 1.75 × MobileNet v1 1.0 at 224×224. The engine
   * runs them in its reference interpreter (calibration, constant folding: about 3 s per 10^9 on one core).
   */
  macs: 1_000_000_000,
  /** Activation bytes alive at once when the ops run in order (at the model's own dtypes). */
  peakActivationBytes: 67_108_864,
});
export type ModelLimit = keyof typeof MODEL_LIMITS;

/** How each bound reads in a message: "<subject> has <phrase>". */
const PHRASES: Readonly<Record<ModelLimit, (value: string) => string>> = {
  rank: (v) => `${v} dimensions`,
  dimension: (v) => `a dimension of ${v}`,
  tensorElements: (v) => `${v} values`,
  window: (v) => `a kernel size, stride, dilation or padding of ${v}`,
  ops: (v) => `${v} ops`,
  tensors: (v) => `${v} tensors`,
  parameters: (v) => `${v} constant values (weights and biases)`,
  importConstants: (v) => `${v} constant values to hold while folding its constant arithmetic`,
  macs: (v) => `${v} multiply-accumulates per inference`,
  peakActivationBytes: (v) => `${v} bytes of activations alive at once`,
};

const formatted = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en") : String(n));

/**
 * The OVER_LIMITS error for `subject` (e.g. `the model "m"`, `tensor "x"`) having `value` of `limit`; `phrase`
 * words the value more precisely than the bound's own phrase ("a padding of 65,535").
 */
export function overLimit(
  limit: ModelLimit,
  value: number,
  subject: string,
  phrase: (value: string) => string = PHRASES[limit],
): EngineError {
  const max = MODEL_LIMITS[limit];
  return new EngineError(
    "OVER_LIMITS",
    `${subject} has ${phrase(formatted(value))}, over the engine's limit of ${formatted(max)} for a ` +
      "microcontroller model (person_detection, a typical one, needs 7.2 million MACs and 211 thousand weights): " +
      "check the model's input shape and layer sizes, then export it again",
    { limit, value, max },
  );
}

/** Refuses a shape with too many dimensions, a dimension too large, or too many values. */
export function checkShapeLimits(shape: readonly number[], subject: string): void {
  if (shape.length > MODEL_LIMITS.rank) throw overLimit("rank", shape.length, subject);
  let elements = 1;
  for (const d of shape) {
    if (d > MODEL_LIMITS.dimension) throw overLimit("dimension", d, subject);
    elements *= d;
  }
  if (elements > MODEL_LIMITS.tensorElements) throw overLimit("tensorElements", elements, subject);
}

/** The window attributes of a node by name: kernel (pooling), strides, dilations, explicit padding, Pad's pads. */
function windowAttributes(node: Node): [string, readonly number[]][] {
  const explicit = (p: "same" | "valid" | number[]) => (Array.isArray(p) ? p : []);
  switch (node.op) {
    case "Conv2D":
    case "DepthwiseConv2D":
      return [
        ["stride", node.attrs.strides],
        ["dilation", node.attrs.dilations],
        ["padding", explicit(node.attrs.padding)],
      ];
    case "AveragePool2D":
    case "MaxPool2D":
      return [
        ["kernel size", node.attrs.filter],
        ["stride", node.attrs.strides],
        ["padding", explicit(node.attrs.padding)],
      ];
    case "Pad":
      return [["padding", node.attrs.pads.flat()]];
    default:
      return [];
  }
}

/** Refuses a convolution, pooling or Pad whose kernel, stride, dilation or padding is beyond any real model's. */
export function checkWindowLimits(node: Node): void {
  for (const [attribute, values] of windowAttributes(node)) {
    for (const v of values) {
      if (Math.abs(v) > MODEL_LIMITS.window) {
        throw overLimit("window", v, `${node.op} "${node.name}"`, (value) => `a ${attribute} of ${value}`);
      }
    }
  }
}
