export { correctBiases } from "./bias-correction.js";
export { quantizeFloat16 } from "./fp16.js";
export { type PrecisionPlan, quantizeInteger, WEIGHTED_OPS, weightAxis } from "./integer.js";
export { type LayerSensitivity, type MixedPlan, planMixedPrecision } from "./mixed.js";
export { type ActivationBits, activationParams, fixedOutputParams, quantizeWeights } from "./params.js";
