// Entry `@tinyml/workflows/model-files`: model-file recognition shared by the control plane and the engine.
// Kept out of the contracts entry: it imports zip.js, which workflow code must not bundle.
export { FORMAT_NAMES } from "./format-names.js";
export { HEAD_BYTES, type ModelSample, sampleOf, TAIL_BYTES } from "./model-sample.js";
export { FORMATS_READ, type Recognition, recognizeModelFile } from "./recognize.js";
export { zipEntryNames } from "./zip-entries.js";
