export { ReferenceInterpreter, type RunOptions } from "./interpreter.js";
export { fakeQuantize, QUANT_RANGE, quantizeValue, realValues, roundHalfAway } from "./quant-math.js";
export { applyActivation, REFERENCE_KERNELS, type Value } from "./reference-kernels.js";
