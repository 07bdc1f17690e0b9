export { ReferenceInterpreter } from "./interpreter.js";
export { roundHalfAway } from "./quant-math.js";
