export {
  type ActivityWork,
  badInput,
  HEARTBEAT_INTERVAL_MS,
  toActivityFailure,
  withHeartbeats,
} from "./activity-context.js";
export { activityBudget, loadWorkerConfig, WorkerConfig } from "./config.js";
export { createEngineActivities, DATASET_REQUIRED, type EngineActivityDeps, NOTES } from "./engine-activities.js";
export { deploymentFigures, deploymentNotes, optimizationFigures } from "./figures.js";
export {
  ACTIVITY_OUTCOMES,
  type ActivityOutcome,
  activityMetricsInterceptor,
  activityOutcome,
  createWorkerMetrics,
  serveMetrics,
  type WorkerMetrics,
} from "./metrics.js";
export { claimWorkerFolder, type WorkerFolder } from "./work-folder.js";
export {
  createEngineWorker,
  createOptimizeWorker,
  type OptimizeWorkerOptions,
  SHUTDOWN_GRACE_TIME,
  workflowsPath,
} from "./worker.js";
