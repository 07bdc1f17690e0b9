import type { Graph } from "../ir/graph.js";
import type { Tensor } from "../ir/tensor.js";
import { exportOnnx } from "../onnx/export.js";
import type { Precision } from "../optimize.js";
import { exportTflite } from "../tflite/export.js";
import type { Corpus, Seed } from "./corpus.js";
import { datasetFor, hostileDataset } from "./datasets.js";
import { mutateBytes } from "./mutate-bytes.js";
import { mutateOnnx } from "./mutate-onnx.js";
import { mutateTfliteGraph } from "./mutate-tflite.js";
import { caseSeed, Rng } from "./rng.js";
import { synthesizeGraph } from "./synthesize.js";

/**
 * The campaign's cases, each made from (campaign seed, lane, index) alone, so that a crash or a hang names its
 * case and the runner's parent can write the same bytes to disk. Two lanes:
 * - `import`: one file through recognition, import and analysis (a model), or through the dataset reader (a
 *   .npz): damaged real models of every kind, structurally hostile TFLite and ONNX files, synthesized models,
 *   Keras .h5 files and zips the recognizer must tell apart, datasets, random bytes.
 * - `full`: a model the engine should take and a dataset for it, through `optimize` to generated C built and
 *   run on the host: synthesized models (most), the fixtures' float models, and lightly damaged ones.
 */
export type Lane = "import" | "full";

export interface ModelCase {
  lane: "import";
  kind: string;
  model?: Seed;
  /** A dataset to read for a model input of `inputShape`. */
  dataset?: { bytes: Uint8Array; inputShape: number[] };
}

export interface FullCase {
  lane: "full";
  kind: string;
  model: Seed;
  dataset: Uint8Array;
  /** `optimize` (a float model, quantized by the engine) or `codegen` (an already-quantized model, as the CLI's). */
  path: "optimize" | "codegen";
  precision: Precision;
  sizeBudgetBytes?: number;
}

export type FuzzCase = ModelCase | FullCase;

/** Input shapes of the fixtures' models and some others, for datasets read without a model. */
const INPUT_SHAPES = [
  [1, 1],
  [1, 49, 10, 1],
  [1, 640],
  [1, 30, 1, 40],
  [1, 28, 28, 1],
  [1, 96, 96, 1],
  [1, 1960],
];

const inputShapeOf = (g: Graph): number[] => (g.tensors.get(g.inputs[0] as string) as Tensor).shape;

/** A TFLite or ONNX file of `graph`, as the engine writes them. */
const fileOf = (graph: Graph, rng: Rng): Seed =>
  rng.chance(0.6)
    ? { name: `${graph.name}.tflite`, bytes: exportTflite(graph) }
    : { name: `${graph.name}.onnx`, bytes: exportOnnx(graph) };

type ImportKind = (corpus: Corpus, rng: Rng) => ModelCase;

const damaged = (seeds: Seed[], rng: Rng, others: Seed[] = seeds): Seed => {
  const seed = rng.pick(seeds);
  return { name: seed.name, bytes: mutateBytes(seed.bytes, rng, rng.pick(others).bytes) };
};

const IMPORT_KINDS: readonly (readonly [number, string, ImportKind])[] = [
  [22, "tflite-bytes", (c, rng) => ({ lane: "import", kind: "", model: damaged(c.tflite, rng) })],
  [
    18,
    "tflite-graph",
    (c, rng) => {
      const graph = rng.chance(0.7) && c.graphs.length > 0 ? rng.pick(c.graphs).graph : synthesizeGraph(rng);
      return { lane: "import", kind: "", model: { name: "hostile.tflite", bytes: mutateTfliteGraph(graph, rng) } };
    },
  ],
  [8, "onnx-bytes", (c, rng) => ({ lane: "import", kind: "", model: damaged(c.onnx, rng) })],
  [
    18,
    "onnx-proto",
    (c, rng) => {
      const source = rng.chance(0.6) ? rng.pick(c.onnx).bytes : exportOnnx(synthesizeGraph(rng));
      return { lane: "import", kind: "", model: { name: "hostile.onnx", bytes: mutateOnnx(source, rng) } };
    },
  ],
  [6, "synthesized", (_c, rng) => ({ lane: "import", kind: "", model: fileOf(synthesizeGraph(rng), rng) })],
  [3, "keras-h5", (c, rng) => ({ lane: "import", kind: "", model: damaged(c.h5, rng) })],
  [
    7,
    "zip",
    (c, rng) => ({ lane: "import", kind: "", model: rng.chance(0.1) ? rng.pick(c.zip) : damaged(c.zip, rng) }),
  ],
  [
    12,
    "npz",
    (c, rng) => {
      const inputShape = rng.pick(INPUT_SHAPES);
      const bytes = rng.chance(0.4) ? damaged(c.npz, rng).bytes : hostileDataset(inputShape, rng);
      return { lane: "import", kind: "", dataset: { bytes, inputShape } };
    },
  ],
  [
    4,
    "garbage",
    (_c, rng) => {
      const bytes = rng.bytes(rng.range(0, 4096));
      const magic = rng.pick([
        [],
        [0, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33],
        [0x50, 0x4b, 3, 4],
        [0x08, 0x07],
        [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a],
      ]);
      bytes.set(magic.slice(0, bytes.length));
      return { lane: "import", kind: "", model: { name: "garbage", bytes } };
    },
  ],
  [2, "other-files", (c, rng) => ({ lane: "import", kind: "", model: damaged(c.other, rng) })],
];

function importCase(corpus: Corpus, rng: Rng): ModelCase {
  const [, kind, make] = rng.weighted(IMPORT_KINDS.map(([w, k, f]) => [w, [w, k, f] as const] as const));
  return { ...make(corpus, rng), kind };
}

const PRECISIONS: readonly (readonly [number, Precision])[] = [
  [11, "int8"],
  [4, "int16x8"],
  [2, "mixed"],
  [3, "fp16"],
];

const isQuantized = (g: Graph) => [...g.tensors.values()].some((t) => t.quant);
const floatGraphs = (c: Corpus) => c.graphs.filter(({ graph }) => graph.inputs.length === 1 && !isQuantized(graph));

/** An already-quantized fixture (kept, or damaged) through `codegen`: its C built and run on the host. */
function quantizedCase(corpus: Corpus, rng: Rng): FullCase | undefined {
  const quantized = corpus.graphs.filter(({ graph }) => graph.inputs.length === 1 && isQuantized(graph));
  if (quantized.length === 0) return undefined;
  const { name, graph } = rng.pick(quantized);
  const seed = corpus.tflite.find((s) => s.name === name);
  const model =
    seed && rng.chance(0.3)
      ? seed
      : seed && rng.chance(0.3)
        ? { name, bytes: mutateBytes(seed.bytes, rng) }
        : { name: "damaged-int.tflite", bytes: mutateTfliteGraph(graph, rng) };
  const inputShape = inputShapeOf(graph);
  const outputs = (graph.tensors.get(graph.outputs[0] as string) as Tensor).shape.at(-1) ?? 1;
  const dataset = datasetFor(inputShape, rng.range(1, 4), rng, outputs);
  return { lane: "full", kind: "quantized", path: "codegen", model, dataset, precision: "int8" };
}

function fullCase(corpus: Corpus, rng: Rng): FullCase {
  const kind = rng.weighted([
    [14, "synthesized"],
    [4, "fixture"],
    [2, "damaged"],
    [3, "quantized"],
  ] as const);
  if (kind === "quantized") {
    const c = quantizedCase(corpus, rng);
    if (c) return c;
  }
  const fixtures = floatGraphs(corpus);
  const { name, graph } =
    kind === "fixture" && fixtures.length > 0
      ? rng.pick(fixtures)
      : { name: "synthesized", graph: synthesizeGraph(rng) };
  const model =
    kind === "damaged"
      ? { name: "damaged.tflite", bytes: mutateTfliteGraph(graph, rng) }
      : kind === "fixture"
        ? (corpus.tflite.find((s) => s.name === name) ?? corpus.onnx.find((s) => s.name === name) ?? fileOf(graph, rng))
        : fileOf(graph, rng);
  const inputShape = inputShapeOf(graph);
  const outputs = (graph.tensors.get(graph.outputs[0] as string) as Tensor).shape.at(-1) ?? 1;
  const dataset = rng.chance(0.92)
    ? datasetFor(inputShape, rng.range(2, 10), rng, outputs)
    : hostileDataset(inputShape, rng);
  const precision = rng.weighted(PRECISIONS);
  return {
    lane: "full",
    kind,
    model,
    dataset,
    path: "optimize",
    precision,
    ...(precision === "mixed" ? { sizeBudgetBytes: rng.range(2_000, 400_000) } : {}),
  };
}

/** Case `index` of `lane` in a campaign seeded with `seed`. */
export function makeCase(corpus: Corpus, seed: number, lane: Lane, index: number): FuzzCase {
  const rng = new Rng(caseSeed(seed, lane, index));
  return lane === "import" ? importCase(corpus, rng) : fullCase(corpus, rng);
}
