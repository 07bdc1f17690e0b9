// Workflow entry: every workflow the grid runs, one a file. Bundled by the Temporal worker.
export { gridHealthCheck } from "./grid-health-check.js";
export { optimizeModel } from "./optimize-model.js";
