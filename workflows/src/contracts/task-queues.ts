import type { TargetId } from "./targets.js";

/**
 * The queue of the heavy (engine) activities of the workers polling `taskQueue`: each worker caps how many it runs
 * at once there, while its own queue (workflows, the health check) is never kept waiting by them.
 */
export const engineTaskQueue = (taskQueue: string): string => `${taskQueue}.engine`;

/**
 * Task queue names of the grid. Workflows and the workers' health check run on `optimize`; engine activities on
 * `optimize.engine`; `nas` is reserved for architecture search (not implemented yet); the control plane hosts the
 * only activities that write the database on `control-plane`; farm agents listen on `farm.<target>`.
 */
export const TASK_QUEUES = Object.freeze({
  optimize: "optimize",
  engine: engineTaskQueue("optimize"),
  nas: "nas",
  controlPlane: "control-plane",
});

export const farmTaskQueue = (target: TargetId): string => `farm.${target}`;
