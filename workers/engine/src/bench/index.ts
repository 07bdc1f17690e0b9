export {
  type BenchmarkRecord,
  type BenchRequest,
  type BenchResult,
  benchmark,
  writeBenchResult,
} from "./bench.js";
export { type EmulatedBoard, emulatedBoard, type KernelArch } from "./boards.js";
export { CORE_COSTS, type CoreCost, type CostEstimate, estimateCost } from "./cost-model.js";
export { elfSections, imageMemory } from "./elf.js";
export { parseRegionOverflows, type RegionOverflow } from "./firmware.js";
export { quantizedInputs } from "./inputs.js";
export { type CodeSize, codeSizeFromMap } from "./linker-map.js";
export { type ModelHeader, parseModelHeader } from "./model-header.js";
