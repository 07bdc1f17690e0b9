export * from "./dtype.js";
export * from "./graph.js";
export * from "./ops.js";
export * from "./shape-inference.js";
export * from "./tensor.js";
export * from "./verify.js";
