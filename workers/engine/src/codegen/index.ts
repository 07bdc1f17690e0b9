export { generateC } from "./generate.js";
export { writeGeneratedFiles } from "./host-build.js";
