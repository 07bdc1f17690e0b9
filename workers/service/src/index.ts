export { loadWorkerConfig, WorkerConfig } from "./config.js";
export { createHealthActivities, type HealthActivityDeps } from "./health-activities.js";
export { createOptimizeWorker, type OptimizeWorkerOptions, workflowsPath } from "./worker.js";
