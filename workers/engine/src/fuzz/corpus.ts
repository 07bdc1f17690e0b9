import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Graph } from "../ir/graph.js";
import { importModel } from "../model-io.js";
import { runPasses } from "../passes/pipeline.js";
import { npyOf, zipOf } from "./zip-writer.js";

/**
 * The campaign's seeds: the real public models and data of `../shared/fixtures` and what `ops/fixtures` derives
 * from them (`.tmp/fixtures`: ONNX exports, .npz datasets), by kind, plus the archives no fixture is (a `.keras`
 * zip, a SavedModel zip made of the KWS SavedModel folder, PyTorch zips), built here. Files over 1.5 MB are left
 * out (the cases would be slow to damage and read); none of the models is.
 */
export interface Seed {
  name: string;
  bytes: Uint8Array;
}

export interface Corpus {
  tflite: Seed[];
  onnx: Seed[];
  h5: Seed[];
  npz: Seed[];
  zip: Seed[];
  /** Anything else in the fixtures (wav, bmp, raw tensors, csv): files no model reader should take. */
  other: Seed[];
  /** The models that import, as IR graphs after the passes (for the structural TFLite mutator). */
  graphs: { name: string; graph: Graph }[];
}

const MAX_SEED_BYTES = 1_500_000;
const REPO = fileURLToPath(new URL("../../../../", import.meta.url));

const defaultFolders = () => ({
  fixtures: process.env.TINYML_FIXTURES ?? join(REPO, "../shared/fixtures"),
  generated: process.env.TINYML_FIXTURES_OUT ?? join(REPO, ".tmp/fixtures"),
});

function* files(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "eembc-inputs") yield* files(path);
    } else if (entry.isFile() && statSync(path).size <= MAX_SEED_BYTES) yield path;
  }
}

const KINDS: [keyof Omit<Corpus, "graphs">, RegExp][] = [
  ["tflite", /\.tflite$/],
  ["onnx", /\.onnx$/],
  ["h5", /\.h5$/],
  ["npz", /\.npz$/],
];

/** Zip seeds the recognizer tells apart: Keras 3, SavedModel, PyTorch (torch.save) and torch.export archives. */
function archives(fixtures: string, h5: Seed[]): Seed[] {
  const weights = (h5[0]?.bytes ?? new Uint8Array(64)).subarray(0, 4096);
  const text = (s: string) => new TextEncoder().encode(s);
  const seeds: Seed[] = [
    {
      name: "model.keras",
      bytes: zipOf([
        ["metadata.json", text('{"keras_version": "3.6.0"}')],
        ["config.json", text('{"class_name": "Sequential", "config": {"layers": []}}')],
        ["model.weights.h5", weights],
      ]),
    },
    {
      name: "model.pt",
      bytes: zipOf([
        ["model/data.pkl", Uint8Array.of(0x80, 2, 0x7d, 0x71, 0, 0x2e)],
        ["model/data/0", new Uint8Array(64)],
        ["model/version", text("3\n")],
      ]),
    },
    {
      name: "model.pt2",
      bytes: zipOf([
        ["archive/archive_format", text("pt2")],
        ["archive/models/model.json", text("{}")],
      ]),
    },
    { name: "data.npz (deflated)", bytes: zipOf([["x.npy", npyOf("<f4", [2, 3], new Uint8Array(24))]], true) },
  ];
  const savedModel = join(fixtures, "mlperf-tiny/kws/kws_ref_model_savedmodel");
  if (existsSync(savedModel)) {
    const entries = [...files(savedModel)].map((p) => [`kws/${relative(savedModel, p)}`, readFileSync(p)] as const);
    seeds.push({ name: "kws_savedmodel.zip", bytes: zipOf(entries) });
  }
  return seeds;
}

/** The IR graphs of the model seeds that import and pass (float and quantized alike). */
async function graphsOf(models: Seed[]): Promise<{ name: string; graph: Graph }[]> {
  const graphs: { name: string; graph: Graph }[] = [];
  for (const seed of models) {
    try {
      const { graph } = await importModel(seed.bytes, seed.name);
      runPasses(graph);
      graphs.push({ name: seed.name, graph });
    } catch {
      // refused seeds (unsupported ops, NPU-compiled) are still byte-damaged, not graph-damaged
    }
  }
  return graphs;
}

export async function loadCorpus(folders = defaultFolders()): Promise<Corpus> {
  const corpus: Corpus = { tflite: [], onnx: [], h5: [], npz: [], zip: [], other: [], graphs: [] };
  for (const dir of [folders.fixtures, folders.generated]) {
    for (const path of files(dir)) {
      const seed = { name: basename(path), bytes: new Uint8Array(readFileSync(path)) };
      const kind = KINDS.find(([, pattern]) => pattern.test(path))?.[0] ?? "other";
      corpus[kind].push(seed);
    }
  }
  if (corpus.tflite.length === 0) throw new Error(`no TFLite models under ${folders.fixtures}: give --fixtures`);
  corpus.zip = archives(folders.fixtures, corpus.h5);
  corpus.graphs = await graphsOf([...corpus.tflite, ...corpus.onnx]);
  return corpus;
}
