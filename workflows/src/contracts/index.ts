export * from "./frameworks.js";
export * from "./health.js";
export * from "./targets.js";
export * from "./task-queues.js";
export * from "./tiers.js";
