// Entry `@tinyml/workflows/datasets`: the one reader of dataset archives (.npz), shared by the control plane (which
// checks an upload as it streams in) and the engine (which reads the arrays). Kept out of the contracts entry: it
// uses node:zlib, which workflow code must not bundle.
export { DatasetRefusal, formatBytes, isDatasetRefusal } from "./dataset-refusal.js";
export type { NpzReadMode } from "./entry-sink.js";
export { MAX_NPY_HEADER_BYTES, NPY_DTYPES, type NpyDType, type NpyHeader, parseNpyHeader } from "./npy-header.js";
export { MAX_NPZ_ENTRIES, type NpzArray, type NpzContents, type NpzReadOptions, readNpz } from "./npz-reader.js";
