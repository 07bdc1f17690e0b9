import type { ModelFileFormat } from "../contracts/frameworks.js";
import type { ModelSample } from "./model-sample.js";
import { looksLikeOnnxModel } from "./onnx-probe.js";

/** What a recognizer reads: the sample, and the names of its zip entries (`null` when it is no readable zip). */
export interface SampleView {
  sample: ModelSample;
  zipNames: string[] | null;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** HDF5 allows a user block of 512 bytes or any larger power of two before the superblock. */
const HDF5_OFFSETS = [0, 512, 1024, 2048, 4096, 8192, 16384, 32768];

const ascii = (bytes: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...bytes.subarray(start, end));
const hasEntry = (view: SampleView, pattern: RegExp): boolean => (view.zipNames ?? []).some((n) => pattern.test(n));

/**
 * The registry of recognisers, one per container format, each reading the content only (never the name):
 * - TFLite: a FlatBuffer whose file identifier at offset 4 is `TFL3`.
 * - Keras HDF5: the 8-byte HDF5 signature at offset 0 or after a user block.
 * - ONNX: a protobuf ModelProto (see onnx-probe.ts).
 * - Keras 3 (`.keras`): a zip holding `config.json`, `metadata.json` and the weights `model.weights.h5` (or
 *   `.npz`) at its root, as `model.save` writes it.
 * - SavedModel zip: a zip holding `saved_model.pb` (or `.pbtxt`).
 * - PyTorch zip: a zip holding `<archive>/data.pkl`, as `torch.save` and `torch.jit.save` write it (TorchScript
 *   adds `<archive>/code/` and `constants.pkl`; current PyTorch puts `data.pkl` after the tensors).
 * - torch.export (`.pt2`): a zip holding `<archive>/archive_format`, as `torch.export.save` writes it.
 * The zip rules are disjoint, so the order of the registry does not decide between them.
 */
export const MODEL_RECOGNIZERS: Readonly<Record<ModelFileFormat, (view: SampleView) => boolean>> = {
  tflite: ({ sample: { head } }) => head.length >= 8 && ascii(head, 4, 8) === "TFL3",
  "keras-h5": ({ sample: { head } }) =>
    HDF5_OFFSETS.some((at) => head.length >= at + 8 && HDF5_SIGNATURE.every((b, i) => head[at + i] === b)),
  onnx: ({ sample }) => looksLikeOnnxModel(sample.head, sample.size),
  "keras-v3": (view) =>
    hasEntry(view, /^config\.json$/) &&
    hasEntry(view, /^metadata\.json$/) &&
    hasEntry(view, /^model\.weights\.(h5|npz)$/),
  "savedmodel-zip": (view) => hasEntry(view, /(^|\/)saved_model\.pb(txt)?$/),
  "pytorch-zip": (view) => hasEntry(view, /^[^/]+\/data\.pkl$/),
  "pytorch-export": (view) => hasEntry(view, /^[^/]+\/archive_format$/),
};
