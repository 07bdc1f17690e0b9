import type { Converter } from "./convert-common.js";
import { DENSE_CONVERTERS } from "./convert-dense.js";
import { ELEMENTWISE_CONVERTERS } from "./convert-elementwise.js";
import { QUANTIZE_CONVERTERS } from "./convert-quantize.js";
import { SHAPE_CONVERTERS } from "./convert-shape.js";
import { SPATIAL_CONVERTERS } from "./convert-spatial.js";

/**
 * ONNX op → IR ops, one converter an op type (a registry, as ONNX Runtime's quantization tool keeps one),
 * gathered from one file per op family. A converter reads its inputs from the context, emits IR nodes and
 * names the IR tensor of each output. An op with no converter (and no folding rule) is refused by the
 * importer before any work, in one UNSUPPORTED_OPS error naming them all.
 */
export const CONVERTERS: Readonly<Record<string, Converter>> = {
  ...SPATIAL_CONVERTERS,
  ...DENSE_CONVERTERS,
  ...SHAPE_CONVERTERS,
  ...ELEMENTWISE_CONVERTERS,
  ...QUANTIZE_CONVERTERS,
};
