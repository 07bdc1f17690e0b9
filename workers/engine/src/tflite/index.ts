/**
 * TensorFlow Lite in and out of the IR: `readTflite` decodes a .tflite with bounds checks (schema.ts describes
 * the parts of the schema used), `importTflite` maps the primary subgraph to IR nodes (refusing every unsupported
 * op in one error), `exportTflite` writes a graph back as a file TFLite and TFLite Micro run, with the TF
 * converter's operator versions (op-version.ts).
 *
 * Both directions keep one file per op family (import-ops-*.ts, export-ops-*.ts: convolution, pooling, shape,
 * elementwise), merged into a registry keyed by op (import-registry.ts, export-registry.ts). Importing runs
 * import-tensors.ts (file tensors to IR tensors) and import-graph.ts (operators in file order, naming, checks);
 * exporting plans tensor indices and operators (export-plan.ts) and then serializes (export-serialize.ts).
 */
export { exportTflite } from "./export.js";
export { importTflite } from "./import.js";
