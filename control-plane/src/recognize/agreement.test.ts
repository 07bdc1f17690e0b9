import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { TIERS } from "@tinyml/workflows/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BlobStore } from "../blob/blob-store.js";
import { createLocalBlobStore } from "../blob/local-blob-store.js";
import { createMetrics } from "../metrics/metrics.js";
import { stageUpload } from "../services/staged-upload.js";

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const FIXTURES = resolve(process.env.TINYML_FIXTURES ?? join(REPO, "../shared/fixtures"));
const TESTDATA = join(REPO, "workflows/src/model-files/testdata");
const ENGINE_CLI = join(REPO, "workers/engine/bin/tinyml-engine.js");

/** Every test file of the recognizer: files written by the frameworks, public models, and files that are none. */
const FILES = [
  ...["tiny.torchscript.pt", "state_dict.pt", "tiny.pt2", "tiny.keras", "savedmodel.zip"].map((f) => join(TESTDATA, f)),
  ...[
    "mlperf-tiny/kws/kws_ref_model.tflite",
    "tflite-micro/hello_world/hello_world_int8.tflite",
    "onnx/mnist-2018-opset1/model.onnx",
    "mlperf-tiny/ad/ad01.h5",
    "mlperf-tiny/sww/str_ww_ref_model.h5",
    "mlperf-tiny/sww/calibration_samples.npz",
    "mlperf-tiny/sww/marvin_617de221_0.wav",
    "onnx/mnist-8-test-data-set-0/input_0.pb",
    "mlperf-tiny/kws/y_labels.csv",
  ].map((f) => join(FIXTURES, f)),
];

let dir: string;
let store: BlobStore;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "recognize-agreement-"));
  store = createLocalBlobStore(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The format the API records for an upload of `path` (`null`: refused), staged as a real upload is. */
async function controlPlaneFormat(path: string): Promise<string | null> {
  const staged = await stageUpload({
    blobStore: store,
    metrics: createMetrics(),
    organizationId: "org-1",
    tier: TIERS.enterprise,
    field: "model_file",
    fileName: "model",
    stream: createReadStream(path),
  });
  return staged.format;
}

/** The format the engine's own CLI (`tinyml-engine detect`) prints for `path` (`null`: it refuses the file). */
async function engineFormat(path: string): Promise<string | null> {
  const detected = await run(process.execPath, [ENGINE_CLI, "detect", path]).catch(() => null);
  return detected ? detected.stdout.trim() : null;
}

describe("the control plane and the engine recognise model files alike", () => {
  it.each(FILES.map((path) => [basename(path), path]))("%s", async (_, path) => {
    const [api, engine] = await Promise.all([controlPlaneFormat(path), engineFormat(path)]);
    expect(engine).toBe(api);
  });
});
