export * from "./frameworks.js";
export * from "./health.js";
export * from "./job-spec.js";
export * from "./optimize-model.js";
export * from "./targets.js";
export * from "./task-queues.js";
export * from "./tiers.js";
