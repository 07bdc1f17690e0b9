/**
 * ONNX in and out of the engine's IR: `importOnnx` (opsets 1 to 23, constant folding, NCHW ops for the
 * `nchwToNhwc` pass) and `exportOnnx` (float graphs in either layout, quantized graphs as QDQ), over the
 * protobuf code generated from onnx.proto (workers/engine/generated/onnx-pb.js).
 */
export { exportOnnx } from "./export.js";
export { importOnnx } from "./import.js";
