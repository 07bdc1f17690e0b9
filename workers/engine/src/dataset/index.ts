export * from "./dataset.js";
