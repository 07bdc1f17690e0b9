import type { TargetId } from "./targets.js";

/**
 * Task queue names of the grid. Workflows run on `optimize`; engine activities on `optimize`; `nas` is reserved
 * for architecture search (not implemented yet); the control plane hosts the only activities that write the database on
 * `control-plane`; farm agents listen on `farm.<target>`.
 */
export const TASK_QUEUES = Object.freeze({
  optimize: "optimize",
  nas: "nas",
  controlPlane: "control-plane",
});

export const farmTaskQueue = (target: TargetId): string => `farm.${target}`;
