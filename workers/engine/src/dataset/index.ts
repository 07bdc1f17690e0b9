export * from "./dataset.js";
export { type NpyArray, type NpyDType, parseNpy } from "./npy.js";
export { parseNpz } from "./npz.js";
