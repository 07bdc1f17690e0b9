export { quantizeFloat16 } from "./fp16.js";
export { quantizeInteger } from "./integer.js";
