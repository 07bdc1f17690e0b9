export {
  analyzeBenchmark,
  type BenchmarkBuild,
  type BenchmarkRecord,
  type BenchmarkRun,
  type BenchResult,
} from "./analyze.js";
export { type BenchRequest, benchmark, writeBenchResult } from "./bench.js";
export { type EmulatedBoard, emulatedBoard, type KernelArch } from "./boards.js";
export { CORE_COSTS, type CoreCost, type CostEstimate, estimateCost } from "./cost-model.js";
export { elfSections, imageMemory } from "./elf.js";
export { parseRegionOverflows, type RegionOverflow } from "./firmware.js";
export { argmaxes, quantizedInputs } from "./inputs.js";
export { type CodeSize, codeSizeFromMap } from "./linker-map.js";
export { type ModelHeader, parseModelHeader } from "./model-header.js";
export {
  benchmarkBoard,
  type PrepareBenchmarkRequest,
  type PreparedBenchmark,
  prepareBenchmark,
} from "./prepare.js";
