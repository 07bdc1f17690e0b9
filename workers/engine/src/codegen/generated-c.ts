import type { ArenaLayout } from "./arena-layout.js";
import type { MemoryPlanner } from "./memory-planner.js";

/** What C code generation takes and gives: shared by its stages and by the project files beside model.c. */

/** Arena offsets and the arena's start are multiples of this (the widest scratch element, SIMD loads). */
export const ARENA_ALIGNMENT = 16;

export interface CodegenOptions {
  planner?: MemoryPlanner;
  /**
   * sdk/embedded: the runtime whose sources are copied. Always passed by the caller (the CLI resolves it from its
   * own place, the worker from its configuration): the engine looks for no folder by itself.
   */
  runtimeDir: string;
}

export interface ModelIo {
  dtype: "int8" | "int16";
  shape: number[];
  bytes: number;
  scale: number;
  zeroPoint: number;
}

export interface GeneratedC {
  /** Relative path under the output folder (`model.c`, `tinyml/src/ref/…`) → contents. */
  files: Map<string, string>;
  arenaBytes: number;
  layout: ArenaLayout;
  /** Public kernel names the model calls. */
  kernels: string[];
  macs: number;
  /** Bytes of the constant arrays (weights, biases, multipliers) in model.c. */
  constantBytes: number;
  input: ModelIo;
  output: ModelIo;
}
