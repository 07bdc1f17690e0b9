export { exportOnnx, type OnnxExportOptions } from "./export.js";
export { importOnnx } from "./import.js";
export { readTensorProto } from "./tensor-proto.js";
