import type { DType } from "../ir/dtype.js";
import type { QuantParams } from "../ir/tensor.js";
import type { BuiltinName, OptionValue } from "./schema.js";

/** What an operator's version depends on: its tensors' types, ranks and quantization, and its options. */
export interface OpSignature {
  /** Inputs in TFLite order; undefined for an absent optional input (-1). */
  inputs: ({ dtype: DType; rank: number; quant?: QuantParams | undefined } | undefined)[];
  outputs: { dtype: DType; rank: number; quant?: QuantParams | undefined }[];
  options: Record<string, OptionValue>;
}

type VersionRule = (sig: OpSignature) => number;

const input = (s: OpSignature, i: number) => s.inputs[i]?.dtype;
const output = (s: OpSignature, i: number) => s.outputs[i]?.dtype;
const perChannel = (s: OpSignature, i: number) => (s.inputs[i]?.quant?.scale.length ?? 0) > 1;
const maxRank = (s: OpSignature) => Math.max(0, ...s.inputs.map((t) => t?.rank ?? 0));
const needsBroadcast = (s: OpSignature) => s.inputs.length >= 2 && s.inputs[0]?.rank !== s.inputs[1]?.rank;

/** Version by input type: int16 → a, int8 → b, else 1 (the rule most quantizable ops share). */
const int16Int8 =
  (int16: number, int8: number): VersionRule =>
  (s) =>
    input(s, 0) === "int16" ? int16 : input(s, 0) === "int8" ? int8 : 1;

/**
 * Operator versions as TensorFlow's converter sets them (tensorflow/lite/tools/versioning/op_version.cc,
 * GetBuiltinOperatorVersion): a version says which kernel variant an op needs, and a runtime refuses an op whose
 * version it does not register. One deliberate reading: int16x8 CONV_2D and DEPTHWISE_CONV_2D (int16
 * activations, int8 filter) get versions 4 and 5, the int16 versions that file's comments name; its conditions
 * test the filter for int16, which no 16x8 model has.
 */
const VERSION_RULES: Partial<Record<BuiltinName, VersionRule>> = {
  CONV_2D: (s) => {
    if (input(s, 0) === "int16" && output(s, 0) === "int16") return 4;
    if (input(s, 0) === "int8" && input(s, 1) === "int8" && output(s, 0) === "int8") return 3;
    if (input(s, 0) === "float32" && input(s, 1) === "int8" && output(s, 0) === "float32") {
      return perChannel(s, 1) ? 5 : 2;
    }
    return 1;
  },
  DEPTHWISE_CONV_2D: (s) => {
    if (input(s, 0) === "int16" && output(s, 0) === "int16") return 5;
    if (input(s, 0) === "float32" && input(s, 1) === "int8" && output(s, 0) === "float32") {
      return perChannel(s, 1) ? 6 : 4;
    }
    if (input(s, 0) === "int8" && input(s, 1) === "int8" && output(s, 0) === "int8") return 3;
    if (s.options.dilationWFactor !== 1 || s.options.dilationHFactor !== 1) return 2;
    return 1;
  },
  FULLY_CONNECTED: (s) => {
    if (input(s, 0) === "float32" && input(s, 1) === "int8" && output(s, 0) === "float32" && perChannel(s, 1)) {
      return 12;
    }
    if (input(s, 0) === "int16" && input(s, 1) === "int16" && output(s, 0) === "int16") return 7;
    if (s.inputs.length === 2) return 6;
    if (s.options.keepNumDims === true) return 5;
    if (input(s, 0) === "int8" && input(s, 1) === "int8" && output(s, 0) === "int8") return 4;
    if (input(s, 0) === "float32" && input(s, 1) === "int8" && output(s, 0) === "float32") {
      return s.options.asymmetricQuantizeInputs === true ? 9 : 3;
    }
    return s.options.weightsFormat === 1 ? 2 : 1;
  },
  MUL: (s) => {
    if (input(s, 0) === "int16" && !s.inputs[0]?.quant) return 7;
    if (input(s, 0) === "int64") return 5;
    if (input(s, 0) === "int16") return 4;
    const [a, b] = [s.inputs[0]?.quant?.scale[0] ?? 0, s.inputs[1]?.quant?.scale[0] ?? 0];
    const out = s.outputs[0]?.quant?.scale[0] ?? 0;
    if (a !== 0 && b !== 0 && out !== 0 && (a * b) / out >= 1) return 3;
    return input(s, 0) === "int8" ? 2 : 1;
  },
  ADD: (s) => {
    if (input(s, 0) === "int16" && !s.inputs[0]?.quant) return 5;
    if (input(s, 0) === "int64") return 4;
    if (input(s, 0) === "int16" && output(s, 0) === "int16" && s.options.potScaleInt16 === false) return 3;
    return input(s, 0) === "int8" ? 2 : 1;
  },
  SUB: (s) => {
    if (input(s, 0) === "int16" && output(s, 0) === "int16" && s.options.potScaleInt16 === false) return 5;
    if (input(s, 0) === "int64") return 4;
    if (needsBroadcast(s) && maxRank(s) > 4) return 3;
    return input(s, 0) === "int8" ? 2 : 1;
  },
  AVERAGE_POOL_2D: (s) => (input(s, 0) === "int16" && output(s, 0) === "int16" ? 3 : input(s, 0) === "int8" ? 2 : 1),
  MAX_POOL_2D: (s) => (input(s, 0) === "int16" && output(s, 0) === "int16" ? 3 : input(s, 0) === "int8" ? 2 : 1),
  TRANSPOSE: (s) => {
    const rank = s.inputs[0]?.rank ?? 0;
    if (rank > 5) return 6;
    if (input(s, 0) === "int16") return 5;
    if (rank > 4) return 4;
    if (input(s, 0) === "bool") return 3;
    return input(s, 0) === "int8" ? 2 : 1;
  },
  DEQUANTIZE: (s) => {
    if (input(s, 0) === "int16" || input(s, 0) === "float16") return 3;
    if (input(s, 0) === "int8") return perChannel(s, 0) ? 5 : 2;
    return 1;
  },
  QUANTIZE: (s) => ((s.outputs[0]?.quant?.scale.length ?? 0) > 1 ? 3 : output(s, 0) === "int16" ? 2 : 1),
  RELU: (s) => (input(s, 0) === "int16" ? 3 : input(s, 0) === "int8" || input(s, 0) === "uint8" ? 2 : 1),
  PAD: (s) => ((s.inputs[0]?.rank ?? 0) > 4 ? 4 : int16Int8(3, 2)(s)),
  PADV2: (s) => ((s.inputs[0]?.rank ?? 0) > 4 ? 4 : int16Int8(3, 2)(s)),
  CONCATENATION: int16Int8(3, 2),
  SOFTMAX: int16Int8(3, 2),
  MEAN: int16Int8(3, 2),
  RELU6: int16Int8(3, 2),
  TANH: (s) => (input(s, 0) === "int16" && output(s, 0) === "int16" ? 3 : input(s, 0) === "int8" ? 2 : 1),
  LOGISTIC: (s) => (input(s, 0) === "int16" && output(s, 0) === "int16" ? 3 : input(s, 0) === "int8" ? 2 : 1),
};

/** The version TensorFlow's converter gives builtin operator `op` with signature `sig` (1 when nothing applies). */
export const opVersion = (op: BuiltinName, sig: OpSignature): number => VERSION_RULES[op]?.(sig) ?? 1;
