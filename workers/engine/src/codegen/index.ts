export { type ArenaLayout, planArena, type Storage } from "./arena-layout.js";
export { type FixedPointMultiplier, quantizeMultiplier } from "./fixed-point.js";
export {
  ARENA_ALIGNMENT,
  type CodegenOptions,
  type GeneratedC,
  generateC,
  type ModelIo,
} from "./generate.js";
export { greedyArenaPlan, greedyPlanner, linearArenaPlan, linearPlanner } from "./greedy-planner.js";
export {
  buildHost,
  cHostExecutor,
  dequantizeOutputs,
  type HostBuild,
  type HostBuildOptions,
  quantizeSamples,
  writeGeneratedFiles,
} from "./host-build.js";
export { type BufferRequest, type MemoryPlan, type MemoryPlanner, peakLiveBytes } from "./memory-planner.js";
export { OP_EMITTERS } from "./op-emitters.js";
