export { calibratorFor } from "./calibrators.js";
export { collectStatistics } from "./statistics.js";
