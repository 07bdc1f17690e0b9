export { runPasses } from "./pipeline.js";
