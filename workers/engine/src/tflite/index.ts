export { exportTflite } from "./export.js";
export { importTflite, TFLITE_IMPORTABLE_OPS } from "./import.js";
export { type OpSignature, opVersion } from "./op-version.js";
export {
  readTflite,
  type TfliteBuffer,
  type TfliteMetadata,
  type TfliteModel,
  type TfliteOperator,
  type TfliteOperatorCode,
  type TfliteQuantization,
  type TfliteSubGraph,
  type TfliteTensor,
} from "./reader.js";
