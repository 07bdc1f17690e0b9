export { correctBiases } from "./bias-correction.js";
export { quantizeFloat16 } from "./fp16.js";
export { type PrecisionPlan, quantizeInteger } from "./integer.js";
export { type LayerSensitivity, type MixedPlan, planMixedPrecision } from "./mixed.js";
export { fixedOutputParams, QUANT_RULES } from "./op-rules.js";
export { type ActivationBits, activationParams, quantizeWeights } from "./params.js";
export type { QuantRule } from "./quant-rule.js";
