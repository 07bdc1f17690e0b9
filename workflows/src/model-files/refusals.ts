import type { SampleView } from "./recognizers.js";
import { startsAsZip } from "./zip-entries.js";

/** A kind of file that is not a model, named so a refusal says what the file is rather than only what it is not. */
interface NamedRefusal {
  is: (view: SampleView) => boolean;
  says: string;
}

const startsWith = (head: Uint8Array, signature: number[]): boolean => signature.every((b, i) => head[i] === b);
const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const GZIP_MAGIC = [0x1f, 0x8b];

const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0d]); // tab and line ends
const isControl = (b: number): boolean => (b < 0x20 && !TEXT_CONTROLS.has(b)) || b === 0x7f;

/** UTF-8 without control characters other than tab and line ends; a character cut by the head's end is fine. */
function isText(head: Uint8Array): boolean {
  if (head.some(isControl)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** The registry of refusals, first match wins; a file none of them names is "a binary file of no model format". */
export const REFUSALS: readonly NamedRefusal[] = [
  { is: ({ sample }) => sample.size === 0, says: "an empty file" },
  {
    is: ({ zipNames }) => !!zipNames?.length && zipNames.every((n) => n.endsWith(".npy")),
    says: "a NumPy .npz archive (arrays, not a model)",
  },
  {
    is: ({ zipNames }) => zipNames !== null,
    says:
      "a zip archive that is neither a TensorFlow SavedModel (no saved_model.pb), a Keras model (no config.json, " +
      "metadata.json and model.weights.h5 at its root) nor a PyTorch archive (no <archive>/data.pkl, no " +
      "<archive>/archive_format)",
  },
  {
    is: ({ sample }) => startsAsZip(sample),
    says: "a zip archive whose central directory cannot be read (truncated or damaged, or not within its last 1 MiB)",
  },
  { is: ({ sample }) => startsWith(sample.head, NPY_MAGIC), says: "a NumPy .npy array, not a model" },
  {
    is: ({ sample }) => startsWith(sample.head, GZIP_MAGIC),
    says: "a gzip-compressed file (decompress it and upload the model inside)",
  },
  { is: ({ sample }) => isText(sample.head), says: "a text file" },
];

export const UNNAMED_REFUSAL = "a binary file of no model format";
